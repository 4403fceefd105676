"""ProSLIC Si3210/Si3215 FXS driver: FxsPort (port.py) with FxsSettings (settings.py); see port.py."""
