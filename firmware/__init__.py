"""pbx-firmware: the small-office PBX box daemon (pbxd), its chip drivers and the virtual board."""

__version__ = "0.1.0"
