"""Office call features as packages (architecture guide: features are packages with their own state
machine, tests and outcome enum): hold, the analog handset's flash menu, transfer, conference, call
waiting, pickup, park, ring groups, recording, route choice. `install` wires them into an engine."""
