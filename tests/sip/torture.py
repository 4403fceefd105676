"""Malformed and unusual SIP messages for the edge (after RFC 4475, "SIP Torture Test Messages",
and RFC 5118 for escaping), each with the answer a careful proxy gives: a status code, or None
where no answer is possible or right (no usable Via, ACK, garbage). `{...}` slots are filled by
SipClient.fill; the box's address is {server}."""

from __future__ import annotations

from dataclasses import dataclass

BASE = """Via: SIP/2.0/{transport} {local};branch={branch};rport
From: <sip:torture@{ip}>;tag={tag}
To: <sip:201@{server}>
Call-ID: {callid}
Max-Forwards: 70"""


@dataclass(frozen=True)
class Case:
    name: str
    message: str
    expect: tuple[int | None, ...]   # acceptable answers; None: no answer (dropped)
    transport: str = "udp"
    why: str = ""


def _req(method: str, ruri: str = "sip:{server}", cseq: str = "", extra: str = "", body: str = "",
         length: str | None = None, base: str = BASE) -> str:
    cseq = cseq or f"1 {method}"
    cl = f"Content-Length: {length if length is not None else '{len}'}"
    parts = [f"{method} {ruri} SIP/2.0", base, f"CSeq: {cseq}"]
    if extra:
        parts.append(extra)
    parts.append(cl)
    return "\n".join(parts) + "\n\n" + body


SDP = "v=0\no=- 1 1 IN IP4 {ip}\ns=-\nc=IN IP4 {ip}\nt=0 0\nm=audio 4000 RTP/AVP 0\n"
LONG = "x" * 9000

CASES: tuple[Case, ...] = (
    Case("plain OPTIONS to the box", _req("OPTIONS"), (200,)),
    Case("compact header forms (RFC 4475 3.1.1.1)",
         "OPTIONS sip:{server} SIP/2.0\nv: SIP/2.0/{transport} {local};branch={branch}\nf: <sip:t@{ip}>;tag={tag}\n"
         "t: <sip:{server}>\ni: {callid}\nMax-Forwards: 70\nCSeq: 1 OPTIONS\nl: 0\n\n", (200,)),
    Case("folded header lines and odd whitespace (wsinv)",
         "OPTIONS sip:{server} SIP/2.0\nVia  :  SIP/2.0/{transport}\n   {local};branch={branch}\nFrom: <sip:t@{ip}>\n"
         "  ;tag={tag}\nTo:   <sip:{server}>\nCall-ID: {callid}\nMax-Forwards: 70\nCSeq:   1    OPTIONS\n"
         "Content-Length: 0\n\n", (200,)),
    Case("unknown method (RFC 4475 3.3.13-like)", _req("NEWMETHOD"), (501,)),
    Case("CSeq method differs from the request method (3.3.12)", _req("OPTIONS", cseq="1 INVITE"), (400,)),
    Case("SIP version 7.0 (3.3.7)", _req("OPTIONS").replace("SIP/2.0\n", "SIP/7.0\n", 1), (505, None),
         why="Kamailio's parser drops a request line it cannot read"),
    Case("unknown Request-URI scheme (3.3.14)", _req("OPTIONS", ruri="name:201@{server}"), (416, 400)),
    Case("Max-Forwards 0", _req("OPTIONS", ruri="sip:201@{server}").replace("Max-Forwards: 70", "Max-Forwards: 0"),
         (483,)),
    Case("Proxy-Require of an unknown extension (RFC 3261 8.2.2.3)", _req("OPTIONS", ruri="sip:201@{server}",
                                                               extra="Proxy-Require: fooext"), (420,)),
    Case("Content-Length larger than the body (3.1.2.7)", _req("OPTIONS", body="v=0\n", length="5000"), (400,)),
    Case("negative Content-Length (3.1.2.8)", _req("OPTIONS", body="v=0\n", length="-999"), (400, None),
         why="unparseable: Kamailio cannot build a reply and drops it"),
    Case("non-numeric Expires on REGISTER", _req("REGISTER", extra="Contact: <sip:x@{local}>\nExpires: thousand"),
         (400,)),
    Case("huge header in a UDP datagram (9000 bytes)", _req("OPTIONS", extra="Subject: " + LONG), (200,)),
    Case("escaped user part in the Request-URI (RFC 5118)", _req("INVITE", ruri="sip:%32%30%31@{server}",
                                                                extra="Contact: <sip:x@{local}>\nContent-Type: "
                                                                      "application/sdp", body=SDP), (407,)),
    Case("INVITE to a DID-like number from a stranger", _req("INVITE", ruri="sip:4930123@{server}",
                                                             extra="Contact: <sip:x@{local}>"), (407,)),
    Case("BYE for a dialog that does not exist", _req("BYE", ruri="sip:201@{server}").replace(
        "To: <sip:201@{server}>", "To: <sip:201@{server}>;tag=nosuchdialog"), (481,)),
    Case("CANCEL for a transaction that does not exist", _req("CANCEL", ruri="sip:201@{server}"), (481,)),
    Case("ACK out of the blue", _req("ACK", ruri="sip:201@{server}"), (None,)),
    Case("a 1500-digit Request-URI user", _req("OPTIONS", ruri="sip:" + "9" * 1500 + "@{server}"), (407, 400)),
    Case("no Via header", "OPTIONS sip:{server} SIP/2.0\nFrom: <sip:t@{ip}>;tag={tag}\nTo: <sip:{server}>\n"
                          "Call-ID: {callid}\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n", (None,)),
    Case("no Call-ID", _req("OPTIONS").replace("Call-ID: {callid}\n", ""), (400, None),
         why="the core drops requests without the mandatory headers"),
    Case("binary garbage", "\x00\x01\x02\x03garbage\xff\xfe\n\n", (None,)),
    Case("empty datagram body of CRLFs (keep-alive)", "\r\n\r\n", (None,)),
    Case("two Content-Length values", _req("OPTIONS").replace("Content-Length: {len}", "Content-Length: 0\n"
                                                                "Content-Length: 12"), (400, None),
         why="unparseable: dropped"),
    Case("huge header over TCP (20000 bytes, more than the read buffer)",
         _req("OPTIONS", extra="Subject: " + "y" * 20000), (None,), transport="tcp"),
    Case("pipelined TCP requests with a short body claim", _req("OPTIONS", body="", length="0") +
         _req("OPTIONS"), (200,), transport="tcp"),
)
