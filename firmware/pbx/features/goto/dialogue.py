"""Prompt-and-keys sessions with one caller (IVR menus, voicemail, DISA): the caller's party is answered,
hears prompts (`PlayPrompt`; the runtime reports their end with `PromptFinished`, a safety timer covers a
runtime without media), and its keys (DTMF from a handset, an answered line's receiver, RFC 4733 from a
SIP leg) come here instead of the normal dialling. A key during a prompt may cut it short (barge-in).
`collect` gathers a number: ended by the end key, a length, or the inter-digit time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from firmware.pbx.commands import AnswerSource, PromptFinished
from firmware.pbx.core import Core
from firmware.pbx.party import PartyKind
from firmware.pbx.state import Call

KeyHandler = Callable[[str], None]
Done = Callable[[], None]


@dataclass
class Session:
    party: str
    call: int
    language: str
    on_key: KeyHandler | None = None
    after_prompt: Done | None = None
    barge_in: bool = True
    playing: bool = False
    prompts: int = 0                           # prompts said (tests, records)
    heard: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return f"dialogue:{self.party}"


class Dialogues:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.sessions: dict[str, Session] = {}
        core.hooks.party_digits.append(self._digit)
        core.hooks.media_events.append(self._media)
        core.hooks.call_ended.append(self._ended)

    # --- sessions ----------------------------------------------------------------------------------
    def begin(self, call: Call, party: str, language: str) -> Session:
        """Start talking with `party` of `call`: its line or phone is answered (connected) first."""
        core = self.core
        old = self.sessions.pop(party, None)
        if old is not None:
            core.timers.cancel_owner(old.owner)
        p = core.party(party)
        p.call = call.id
        if not p.talking:
            p.connected(call)
        if call.answer is None:      # the box answered the caller (the call record's answer time)
            core.answer(call, AnswerSource.ASSUMED if p.kind is PartyKind.LINE else AnswerSource.OFF_HOOK)
        session = self.sessions[party] = Session(party, call.id, language)
        return session

    def close(self, party: str) -> None:
        session = self.sessions.pop(party, None)
        if session is not None:
            self.core.timers.cancel_owner(session.owner)
            if session.playing:
                self.core.out.stop_tone(party)

    def get(self, party: str) -> Session | None:
        return self.sessions.get(party)

    # --- prompts ----------------------------------------------------------------------------------
    def say(self, session: Session, words: tuple[str, ...], then: Done | None = None, *,
            barge_in: bool = True) -> None:
        """Play `words`; `then` runs when they are over (or cut short by a key with barge-in)."""
        core = self.core
        core.timers.cancel(session.owner, "prompt")
        session.playing, session.after_prompt, session.barge_in = True, then, barge_in
        session.prompts += 1
        session.heard.append(words)
        core.party(session.party).prompt(words, session.language)
        limit = float(core.settings.office.prompts.max_prompt_s)
        core.after(session.owner, "prompt", limit, lambda at: self._prompt_over(session))

    def tone(self, session: Session, role: str) -> None:
        """A call-progress tone instead of words (the voicemail beep: role "record")."""
        self.core.timers.cancel(session.owner, "prompt")
        session.playing, session.after_prompt = False, None
        self.core.party(session.party).play(role)

    def hush(self, session: Session) -> None:
        """Stop what the caller hears now (no `then`)."""
        self.core.timers.cancel(session.owner, "prompt")
        if session.playing:
            self.core.out.stop_tone(session.party)
        session.playing, session.after_prompt = False, None

    def _prompt_over(self, session: Session) -> None:
        if self.sessions.get(session.party) is not session or not session.playing:
            return
        self.core.timers.cancel(session.owner, "prompt")
        session.playing = False
        self.core.out.music.pop(session.party, None)          # the player ended by itself
        then, session.after_prompt = session.after_prompt, None
        if then is not None:
            then()

    # --- keys ---------------------------------------------------------------------------------------
    def listen(self, session: Session, on_key: KeyHandler | None) -> None:
        session.on_key = on_key

    def after(self, session: Session, name: str, seconds: float, fn: Done) -> None:
        self.core.after(session.owner, name, seconds, lambda at: fn() if self.sessions.get(session.party)
                        is session else None)

    def cancel(self, session: Session, name: str) -> None:
        self.core.timers.cancel(session.owner, name)

    def collect(self, session: Session, *, done: Callable[[str], None], max_len: int = 12, end_key: str = "#",
                first_s: float = 10.0, inter_s: float = 4.0, typed: str = "") -> None:
        """Gather keys into a number; `done(number)` on the end key, at `max_len`, or after a pause
        (first_s before any key, inter_s between keys); "" when nothing came."""
        buffer = [typed]

        def finish() -> None:
            self.cancel(session, "collect")
            self.listen(session, None)
            done(buffer[0])

        def key(k: str) -> None:
            if session.playing:
                self.hush(session)
            if k == end_key:
                finish()
                return
            buffer[0] += k
            if len(buffer[0]) >= max_len:
                finish()
            else:
                self.after(session, "collect", inter_s, finish)

        self.listen(session, key)
        if typed and len(typed) >= max_len:
            finish()
        elif not session.playing:
            self.after(session, "collect", inter_s if typed else first_s, finish)
        else:
            then = session.after_prompt

            def prompt_done() -> None:
                if then is not None:
                    then()
                self.after(session, "collect", inter_s if buffer[0] else first_s, finish)
            session.after_prompt = prompt_done

    def _digit(self, core: Core, party: str, digit: str) -> bool:
        session = self.sessions.get(party)
        if session is None:
            return False
        if session.playing and session.barge_in and session.on_key is not None:
            self.hush(session)
        if session.on_key is not None:
            session.on_key(digit)
        return True

    # --- runtime reports and the end ---------------------------------------------------------------
    def _media(self, core: Core, event: object) -> bool:
        if isinstance(event, PromptFinished):
            session = self.sessions.get(event.leg)
            if session is not None:
                self._prompt_over(session)
            return True
        return False

    def _ended(self, core: Core, call: Call) -> None:
        for party in [p for p, s in self.sessions.items() if s.call == call.id]:
            self.close(party)
