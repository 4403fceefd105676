"""The sans-IO call engine (architecture guide: events + now in, commands + next deadline out).

Drive it from the runtime's one state-owning thread:

    engine = Engine(PbxSettings.from_config(cfg))
    commands = engine.handle(port_event, now, wall)   # and engine.tick(now, wall) at engine.next_deadline

Modules: legs (leg state tables), numbering (+ patterns, numbering_plans), routes, settings,
state/core (legs, calls, timers, primitives), dialling, internal/outbound/inbound (call flows),
hooks (extension points for feature packages under firmware/pbx/features/), commands, snapshot.
"""
