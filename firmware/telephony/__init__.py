"""Per-country telephony data: tones, ring cadences, caller ID, DAA settings, analog timing (no I/O).

Sources: DAHDI fxo_modes.h, dahdi-tools zonedata.c, Asterisk chan_dahdi/sig_analog/callerid.c, ITU-T E.180,
ETSI EN 300 659-1, Bellcore GR-30. Modules: tones, cadences, daa, countries, timing. Values we could not
confirm are marked [unverified] and collected in each module's UNVERIFIED table.
"""
