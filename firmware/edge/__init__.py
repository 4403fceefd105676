"""The box's SIP edge: Kamailio (RFC 3261 proxy, registrar, digest auth, presence) run and fed by pbxd.

pbxd writes what Kamailio needs (the subscriber/registration database in `db`, the config
rendered by `render` from pbxd's own config), starts and stops the Kamailio child process
(`process`) and talks to it over its JSON-RPC datagram socket (`rpc`: trunk registration status,
bans, presence publications). Nothing here imports pjsua2: pbxd's own SIP agent lives in
firmware.sip, on loopback behind this edge.
"""
