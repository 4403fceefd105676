"""The phone book callers are looked up in: the entries typed into the config and those imported from a
CSV file (kept by the API in the state directory as phonebook.csv, handed over with `SetPhonebook` at
start and after every import: a big imported book never passes through the config). Indexed by national
number, so a look-up costs the same for 5 or 5000 entries; a config entry wins over an imported one
with the same number."""

from __future__ import annotations

from firmware.pbx.core import Core
from firmware.pbx.features.control import SetPhonebook
from firmware.pbx.features.phonebook.numbers import national


class PhoneBook:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.imported: tuple[tuple[str, str], ...] = ()
        self._index: dict[str, str] | None = None
        core.hooks.office.append(self._command)
        core.hooks.reconfigured.append(lambda c: self._changed())   # config entries or the country changed

    def name(self, number: str) -> str:
        """The name for a caller's number, however the line presented it ("" if none)."""
        if not number:
            return ""
        return self.index().get(national(number, self.core.settings.country.iso), "")

    def index(self) -> dict[str, str]:
        if self._index is None:
            iso = self.core.settings.country.iso
            index = {national(number, iso): name for number, name in self.imported}
            index.update({national(e.number, iso): e.name for e in self.core.settings.office.phonebook.entries})
            self._index = index
        return self._index

    def _changed(self) -> None:
        self._index = None

    def status(self) -> dict[str, int]:
        return {"config": len(self.core.settings.office.phonebook.entries), "imported": len(self.imported),
                "numbers": len(self.index())}

    def _command(self, core: Core, cmd: object) -> dict[str, object] | None:
        if not isinstance(cmd, SetPhonebook):
            return None
        self.imported = cmd.entries
        self._changed()
        return {"phonebook": self.status()}
