"""Text from the log data made safe to draw: no control character ever reaches the terminal.

A log message is untrusted input. Written raw, an ESC or C1 byte starts a terminal escape sequence: an OSC
can retitle the window or write the user's clipboard (OSC 52), a CSI can restyle or move the cursor, and a
TAB or BEL desynchronises the cell layout. Every such character becomes one visible cell instead, so what
the user sees is what the record holds. Pure Python (no Textual): the list, the detail view, the histogram
legend, and the client's error texts and server version (a server's words) all go through here.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters that reorder or break what the terminal shows without being visible themselves: the bidi
#: marks, embeddings, overrides and isolates (a right-to-left override can make a log line read differently
#: from what it holds, in terminals that do bidi) and the Unicode line/paragraph separators.
REORDERING = "\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
#: Lone surrogates cannot be encoded for the terminal (stderr writes them as a six-cell `\udXXX`).
_SURROGATES = "\ud800-\udfff"
#: C0 controls, DEL, the C1 controls (U+0080..U+009F: U+009B is a one-character CSI, U+009D an OSC), the
#: reordering characters above and lone surrogates.
CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{REORDERING}{_SURROGATES}]")
#: What a control character is drawn as: one cell, visibly not part of the original text.
REPLACEMENT = "\ufffd"
TAB_SIZE = 8

# Each replacement is exactly one cell, so a pure-ASCII text's cell width equals its length
# (the list's wrap layout counts lines from byte lengths thanks to that).
_ONE_LINE = {"\t": " ", "\n": "\u21b5", "\r": " "}
_CONTROL_BUT_TAB = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{REORDERING}{_SURROGATES}]")


def one_line(text: str) -> str:
    """For a single terminal line: every control character becomes one visible cell (a newline is ↵)."""
    if CONTROL.search(text) is None:
        return text
    return CONTROL.sub(lambda m: _ONE_LINE.get(m.group(), REPLACEMENT), text)


def multi_line(text: str, *, tab_size: int = TAB_SIZE) -> str:
    """For a block of text: newlines kept (CRLF too), tabs expanded to spaces, other controls visible."""
    if CONTROL.search(text) is None:
        return text
    text = text.replace("\r\n", "\n")
    text = _CONTROL_BUT_TAB.sub(lambda m: " " if m.group() == "\r" else REPLACEMENT, text)
    if "\t" not in text:
        return text
    return "\n".join(_expand_tabs(line, tab_size) for line in text.split("\n"))


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: 2 for wide (East Asian W/F) characters, 0 for combining marks."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def _expand_tabs(line: str, tab_size: int) -> str:
    # By cell width, not characters, so a wide character before a TAB still lands on the next stop.
    if "\t" not in line:
        return line
    *parts, last = line.split("\t")
    out: list[str] = []
    column = 0
    for part in parts:
        column += cell_width(part)
        pad = tab_size - column % tab_size
        out.append(part + " " * pad)
        column += pad
    out.append(last)
    return "".join(out)
