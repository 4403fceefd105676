"""Register maps as data (architecture guide): 8-bit registers with named bit fields, reset values,
the bits that read back as written, and the datasheet/fact-sheet section each comes from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """A bit field inside an 8-bit register."""

    name: str
    shift: int
    width: int = 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.shift

    def get(self, value: int) -> int:
        return (value & self.mask) >> self.shift

    def put(self, value: int, field_value: int) -> int:
        return (value & ~self.mask & 0xFF) | ((field_value << self.shift) & self.mask)


@dataclass(frozen=True)
class Register:
    """One register: `verify_mask` = bits that read back exactly as written (0: status/volatile)."""

    addr: int
    name: str
    reset: int | None
    section: str
    fields: tuple[Field, ...] = ()
    verify_mask: int = 0
    label: str = "reg"           # how messages name it: "DR" (ProSLIC direct), "reg" (Si3050)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.label}{self.addr} {self.name} has no field {name!r}")
