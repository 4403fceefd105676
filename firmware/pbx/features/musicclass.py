"""Music-on-hold classes: the music a caller hears while held, parked or waiting for a ring group is the
class chosen for the holding extension or the group (config `music.classes`), else the default hold music."""

from __future__ import annotations

from firmware.pbx.core import Core


def music_for(core: Core, *, extension: str = "", group: str = "") -> str:
    for cls in core.settings.office.music.classes:
        if (extension and extension in cls.extensions) or (group and group in cls.groups):
            return cls.file
    return core.settings.features.hold.music
