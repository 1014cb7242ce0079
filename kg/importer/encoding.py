"""Repair of text that was UTF-8 but got decoded as Mac Roman (as in source list 002)."""

from __future__ import annotations

import re

# Two- to four-character runs that UTF-8 bytes become when read as Mac Roman: a lead byte
# (0xC2-0xF4 read as Mac Roman) followed by continuation bytes (0x80-0xBF read as Mac Roman).
_LEAD = "".join(bytes([b]).decode("mac_roman") for b in range(0xC2, 0xF5))
_CONT = "".join(bytes([b]).decode("mac_roman") for b in range(0x80, 0xC0))
_MOJIBAKE = re.compile(f"[{re.escape(_LEAD)}][{re.escape(_CONT)}]{{1,3}}")


def _fix_run(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        return run.encode("mac_roman").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return run


def looks_mac_roman_damaged(text: str) -> bool:
    """True when the text has several runs that decode cleanly back to UTF-8."""
    fixed = sum(1 for m in _MOJIBAKE.finditer(text) if _fix_run(m) != m.group(0))
    return fixed >= 3


def repair_mac_roman(text: str) -> str:
    """Undo UTF-8-read-as-Mac-Roman, run by run; text that is not damaged is left alone."""
    return _MOJIBAKE.sub(_fix_run, text)
