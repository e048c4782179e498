"""Bytes escaped as each server writes them in its access log.

>>> nginx_escape(b'a"b\\xe4'), apache_escape(b'a"b\\n'), json_escape(b'a"b\\x01')
(b'a\\\\x22b\\\\xE4', b'a\\\\"b\\\\n', b'a\\\\"b\\\\u0001')
"""

from __future__ import annotations

import re

#: Bytes each escape leaves as they are: printable ASCII but ``"`` and ``\\``
#: (JSON: 8-bit bytes too). A value of those only is returned at once.
_PLAIN = re.compile(rb"[ !#-\[\]-~]*")
_JSON_PLAIN = re.compile(rb"[ !#-\[\]-~\x7f-\xff]*")


def nginx_escape(value: bytes) -> bytes:
    """As nginx's access log writes a variable: ``"``, ``\\``, controls and 8-bit as ``\\xHH``."""
    if _PLAIN.fullmatch(value):
        return value
    out = bytearray()
    for b in value:
        if b < 0x20 or b >= 0x7F or b in (0x22, 0x5C):
            out += b"\\x%02X" % b
        else:
            out.append(b)
    return bytes(out)


_APACHE_SHORT = {0x08: b"\\b", 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x0B: b"\\v"}


def apache_escape(value: bytes) -> bytes:
    """As httpd's ``ap_escape_logitem``: ``\\"``, ``\\\\``, ``\\n``…, others ``\\xhh``."""
    if _PLAIN.fullmatch(value):
        return value
    out = bytearray()
    for b in value:
        if b in (0x22, 0x5C):
            out += b"\\" + bytes([b])
        elif b in _APACHE_SHORT:
            out += _APACHE_SHORT[b]
        elif b < 0x20 or b >= 0x7F:
            out += b"\\x%02x" % b
        else:
            out.append(b)
    return bytes(out)


_JSON_SHORT = {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x08: b"\\b", 0x0C: b"\\f"}


def json_escape(value: bytes) -> bytes:
    """As nginx's ``escape=json``: ``\\"``, ``\\\\``, controls ``\\u00XX``; 8-bit bytes raw."""
    if _JSON_PLAIN.fullmatch(value):
        return value
    out = bytearray()
    for b in value:
        if b in (0x22, 0x5C):
            out += b"\\" + bytes([b])
        elif b in _JSON_SHORT:
            out += _JSON_SHORT[b]
        elif b < 0x20:
            out += b"\\u%04X" % b
        else:
            out.append(b)
    return bytes(out)
