"""Kamailio route blocks generated from pbxd's config: trunk matching and DIDs (inbound, RFC 3261
§16 proxy routing), per-trunk targets, credentials and presentation (RFC 3325 P-Asserted-Identity,
RFC 3323 privacy), trusted sources, and the outbound routes Kamailio may take alone.

Direct routes are pbxd's own route table (first matching pattern wins, strip/prepend, trunks in
order, permission class of the caller), translated: a route qualifies when all its lines are
trunks. Numbers that are analog extensions, feature codes or emergency numbers always go to
pbxd, as does a route that uses an FXO line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from firmware.config.sip import TrunkConfig
from firmware.pbx.numbering_plans import DiallingPrefixes, Permission
from firmware.pbx.patterns import Pattern

IPV4 = re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}")


def q(text: str) -> str:
    """A Kamailio config string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def pattern_regex(pattern: Pattern) -> str:
    """POSIX ERE for a dial pattern (whole number)."""
    parts = [cls if len(cls) == 1 and cls.isdigit() else f"[{cls}]" for cls in pattern.classes]
    tail = {"": "", ".": "[0-9*#]+", "!": "[0-9*#]*"}[pattern.tail]
    return "^" + "".join(parts) + tail + "$"


@dataclass(frozen=True)
class DirectRoute:
    name: str
    pattern: Pattern
    trunks: tuple[str, ...]          # trunk names in order
    strip: int = 0
    prepend: str = ""
    needs: Permission | None = None  # None: classify the number sent by the country's prefixes
    direct: bool = True              # False: the first match is a route pbxd must take


def trusted_block(addresses: Iterable[str], trunks: Sequence[TrunkConfig]) -> str:
    """route[TRUSTED_SRC]: sources never banned nor flood-limited (configured ones, trunk hosts)."""
    lines = ["route[TRUSTED_SRC] {"]
    for addr in addresses:
        lines.append(f"\tif ($si == {q(addr)}) {{ $var(trusted) = 1; return; }}")
    for t in trunks:
        for host in dict.fromkeys(h for h in (t.host, t.outbound_proxy.split(":")[0]) if h):
            lines.append(_source_test(host, "$var(trusted) = 1; return;"))
    lines += ["\treturn;", "}"]
    return "\n".join(lines)


def _source_test(host: str, then: str) -> str:
    if IPV4.fullmatch(host):
        return f"\tif ($si == {q(host)}) {{ {then} }}"
    return f"\tif (dns_int_match_ip({q(host)}, \"$si\")) {{ {then} }}"


def trunk_match_block(trunks: Sequence[TrunkConfig], tokens: dict[str, str]) -> str:
    """route[TRUNK_MATCH]: $var(trunk) for a request from a trunk. Registered trunks are known by
    the random user part of the contact we registered, IP trunks by source address."""
    lines = ["route[TRUNK_MATCH] {"]
    for t in trunks:
        if t.register:
            lines.append(f"\tif ($rU == {q(tokens[t.name])}) {{ $var(trunk) = {q(t.name)}; return; }}")
    for t in trunks:
        if not t.register:
            for host in dict.fromkeys(h for h in (t.host, t.outbound_proxy.split(":")[0]) if h):
                lines.append(_source_test(host, f"$var(trunk) = {q(t.name)}; return;"))
    lines += ["\treturn;", "}"]
    return "\n".join(lines)


def trunk_by_host_block(trunks: Sequence[TrunkConfig]) -> str:
    """route[TRUNK_BY_HOST]: $avp(lines) = the trunk whose host, proxy or domain is the R-URI host."""
    lines = ["route[TRUNK_BY_HOST] {"]
    for t in trunks:
        hosts = dict.fromkeys(h for h in (t.host, t.sip_domain, t.outbound_proxy.split(":")[0]) if h)
        cond = " || ".join(f"$rd == {q(h)}" for h in hosts)
        lines.append(f"\tif ({cond}) {{ $avp(lines) = {q(t.name)}; return; }}")
    lines += ["\treturn;", "}"]
    return "\n".join(lines)


def trunk_did_block(trunks: Sequence[TrunkConfig]) -> str:
    """route[TRUNK_DID]: $var(did)/$var(dest) from the To user, else the Request-URI user."""
    if not trunks:
        return "route[TRUNK_DID] {\n\treturn;\n}"
    lines = ["route[TRUNK_DID] {", "\tswitch ($var(trunk)) {"]
    for t in trunks:
        lines.append(f"\t\tcase {q(t.name)}:")
        lines.append(f"\t\t\t$var(tcodecs) = {q(','.join(t.codecs))};")
        for did in t.dids:
            regex = "^\\+?" + re.escape(did.number.lstrip("+")) + "$"
            lines.append(f"\t\t\tif ($var(dest) == \"\" && ($tU =~ {q(regex)} || $rU =~ {q(regex)})) "
                         f"{{ $var(did) = {q(did.number)}; $var(dest) = {q(did.destination)}; }}")
        lines.append("\t\t\tbreak;")
    lines += ["\t}", "}"]
    return "\n".join(lines)


def trunk_set_block(trunks: Sequence[TrunkConfig], sockets: dict[str, str] | None = None) -> str:
    """route[TRUNK_SET]: everything about trunk $avp(trunk) that requests to it need; `sockets`:
    the public socket per transport (requests from pbxd arrive on the loopback one)."""
    sockets = sockets or {}
    if not trunks:
        return "route[TRUNK_SET] {\n\treturn -1;\n}"
    lines = ["route[TRUNK_SET] {", "\tswitch ($avp(trunk)) {"]
    for t in trunks:
        hop = t.outbound_proxy or f"{t.host}:{t.port}"
        if ":" not in hop:
            hop += ":5060" if t.transport != "tls" else ":5061"
        lines += [
            f"\t\tcase {q(t.name)}:",
            f"\t\t\t$var(tdomain) = {q(t.sip_domain)};",
            f"\t\t\t$var(tnext) = {q(f'sip:{hop};transport={t.transport}')};",
            f"\t\t\t$var(tuser) = {q(t.username or 'anonymous')};",
            f"\t\t\t$var(tcid) = {q(t.caller_id or t.username)};",
            f"\t\t\t$var(tmode) = {q(t.caller_id_mode)};",
            f"\t\t\t$var(tcodecs) = {q(','.join(t.codecs))};",
            f"\t\t\t$var(tmax) = {t.max_calls};",
            f"\t\t\t$avp(auser) = {q(t.auth_user)};",
            f"\t\t\t$avp(apass) = {q(t.password)};",
            f"\t\t\t$avp(arealm) = {q(t.realm)};",
            *([f"\t\t\t$fs = {q(sockets[t.transport])};"] if t.transport in sockets else []),
            "\t\t\treturn 1;",
        ]
    lines += ["\t}", "\treturn -1;", "}"]
    return "\n".join(lines)


def sip_ext_block(numbers: Iterable[str]) -> str:
    """route[SIP_EXT]: $var(is_sip_ext) = 1 when $var(ext) is an extension on IP phones."""
    nums = sorted(numbers)
    lines = ["route[SIP_EXT] {", "\t$var(is_sip_ext) = 0;"]
    if nums:
        lines.append(f"\tif ($var(ext) =~ {q('^(' + '|'.join(nums) + ')$')}) {{ $var(is_sip_ext) = 1; }}")
    lines.append("}")
    return "\n".join(lines)


def direct_out_block(routes: Sequence[DirectRoute], pbx_numbers: Iterable[str], emergency: Iterable[str],
                     prefixes: DiallingPrefixes) -> str:
    """route[DIRECT_OUT]: an extension's call to an outside number over trunks only, with failover;
    returns (to pbxd) when the number is not for a direct route."""
    lines = ["route[DIRECT_OUT] {", '\tif ($rU =~ "^[*#]") { return; }']
    keep = sorted(set(pbx_numbers) | set(emergency))
    if keep:
        lines.append(f"\tif ($rU =~ {q('^(' + '|'.join(re.escape(n) for n in keep) + ')$')}) {{ return; }}")
    lines.append('\t$var(route) = "";')
    for r in routes:
        cond = f"$var(route) == \"\" && $rU =~ {q(pattern_regex(r.pattern))}"
        if not r.direct:
            lines.append(f"\tif ({cond}) {{ return; }}")
            continue
        needs = -1 if r.needs is None else int(r.needs)
        body = (f"$var(route) = {q(r.name)}; $var(strip) = {r.strip}; $var(prepend) = {q(r.prepend)}; "
                f"$var(needs) = {needs}; $avp(lines) = {q(':'.join(r.trunks))};")
        lines.append(f"\tif ({cond}) {{ {body} }}")
    lines += [
        '\tif ($var(route) == "") { return; }',
        "\t$avp(number) = $var(prepend) + $(rU{s.substr,$var(strip),0});",
        "\tif ($var(needs) < 0) {",
        f"\t\t$var(needs) = {int(Permission.LOCAL)};",
    ]
    if prefixes.national:
        lines.append(f"\t\tif ($avp(number) =~ {q('^' + re.escape(prefixes.national))}) "
                     f"{{ $var(needs) = {int(Permission.NATIONAL)}; }}")
    lines += [
        f"\t\tif ($avp(number) =~ {q('^' + re.escape(prefixes.international))}) "
        f"{{ $var(needs) = {int(Permission.INTERNATIONAL)}; }}",
        "\t}",
        "\tif ($avp(perm) == $null || $avp(perm) < $var(needs)) {",
        '\t\txlog("L_NOTICE", "edge: $au may not call $rU (route $var(route))\\n");',
        '\t\tsl_send_reply("403", "Forbidden");',
        "\t\texit;",
        "\t}",
        # a call record of its own (pbxd has no leg in it): caller, number sent, route and trunk
        '\t$var(ck) = "outbound"; $var(cs) = $au; $var(cn) = ""; $var(cd) = $avp(number); $var(cr) = $var(route);',
        '\tif ($avp(cname) != $null) { $var(cn) = $avp(cname); }',
        '\t$var(cdl) = $rU; $var(cl) = $(avp(lines){s.select,0,:});',
        "\troute(EDGE_CALL);",
        "\troute(TRUNK_OUT);",
        "}",
    ]
    return "\n".join(lines)
