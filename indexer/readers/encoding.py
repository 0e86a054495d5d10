"""Bytes to text: BOM, declared charset, UTF-8, then a cp1252/latin-1 fallback."""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-:.]+)""", re.I)
# Labels browsers read as a superset charset (WHATWG Encoding Standard).
_SUPERSETS = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
# Single-byte legacy charsets: valid multi-byte UTF-8 under such a label is really UTF-8.
_SINGLE_BYTE = re.compile(r"^(latin|iso8859|cp12|cp8|ascii|mac|koi8|tis)")
_HEAD_BYTES = 32768


def sniff_charset(data: bytes) -> str | None:
    """The charset declared in an HTML head (`<meta charset>`, http-equiv, `<?xml encoding>`)."""
    head = data[:_HEAD_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if not match:
        return None
    return _canonical(match.group(1).decode("ascii", "ignore"))


def _canonical(name: str) -> str | None:
    try:
        found = codecs.lookup(name).name
    except LookupError:
        return None
    found = _SUPERSETS.get(found, found)
    return "utf-8" if found.startswith("utf-16") else found  # bytes without a BOM are not UTF-16


_MULTIBYTE_UTF8 = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_CP1252_FALLBACK = "newsdesk-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejected as cp1252 (latin-1 for the few cp1252 leaves undefined)."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start : exc.end]
    return bad.decode("cp1252", errors="strict") if _cp1252_ok(bad) else bad.decode(
        "latin-1"
    ), exc.end


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


codecs.register_error(_CP1252_FALLBACK, _cp1252_fallback)


def _has_multibyte_utf8(data: bytes) -> bool:
    return _MULTIBYTE_UTF8.search(data) is not None


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode bytes: a BOM wins, then the declared charset, then UTF-8, then cp1252, latin-1.

    A single-byte declaration (latin-1, cp1252, ...) yields to UTF-8 when the bytes are
    valid UTF-8 with non-ASCII characters: pages mislabelled that way are common, and
    real latin-1 text is practically never valid multi-byte UTF-8.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace")
    declared = _canonical(declared) if declared else None
    candidates = [declared] if declared else []
    if declared and _SINGLE_BYTE.match(declared):
        candidates.insert(0, "utf-8")
    candidates += ["utf-8"]
    if declared in (None, "utf-8") and _has_multibyte_utf8(data):
        # Mostly UTF-8 with stray legacy bytes (concatenated or badly edited files): keep the
        # UTF-8 and read only the stray bytes as cp1252.
        candidates.append("utf-8-with-cp1252")
    candidates.append("cp1252")
    for name in candidates:
        if name == "utf-8-with-cp1252":
            return data.decode("utf-8", errors=_CP1252_FALLBACK)
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    # A few stray bytes should not cost a whole page its declared (multi-byte) charset.
    return data.decode(declared or "latin-1", errors="replace")
