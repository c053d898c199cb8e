"""The sanitizer every piece of log data goes through before it is drawn."""

from __future__ import annotations

from rich.cells import cell_len

from logtui.core.safe_text import CONTROL, REPLACEMENT, multi_line, one_line

R = REPLACEMENT


def test_one_line_makes_every_control_character_one_visible_cell() -> None:
    assert one_line("plain text ☕") == "plain text ☕"
    assert one_line("title \x1b]0;PWNED\x07 after") == f"title {R}]0;PWNED{R} after"
    assert one_line("a\tb\nc\rd") == "a b\u21b5c d"
    # C1 controls: U+009B is a one-character CSI, U+009D an OSC; DEL too.
    assert one_line("x\x9b2Jy\x9d0;t\x9cz\x7f") == f"x{R}2Jy{R}0;t{R}z{R}"
    evil = "".join(map(chr, range(0x00, 0xA0)))
    safe = one_line(evil)
    assert CONTROL.search(safe) is None
    assert len(safe) == len(evil) == cell_len(safe)


def test_multi_line_keeps_newlines_expands_tabs_and_shows_the_rest() -> None:
    assert multi_line("one\ntwo") == "one\ntwo"
    assert multi_line("one\r\ntwo\rthree") == "one\ntwo three"
    assert multi_line("a\tb\n\tc\nabcdefgh\ti") == "a       b\n        c\nabcdefgh        i"
    # Tab stops count cells: a wide character takes two.
    assert multi_line("日本\tx") == "日本    x"
    assert multi_line("\x1b[31mred\x1b[0m \x9b2J\x07") == f"{R}[31mred{R}[0m {R}2J{R}"
    safe = multi_line("".join(map(chr, range(0x00, 0xA0))))
    assert CONTROL.search(safe.replace("\n", "")) is None


def test_reordering_characters_are_shown_not_obeyed() -> None:
    # A right-to-left override would make "invoice_fdp.exe" read as "invoice_exe.pdf" in a bidi terminal.
    assert one_line("invoice_\u202efdp.exe") == f"invoice_{R}fdp.exe"
    assert multi_line("a\u2028b\u2066c\u200fd") == f"a{R}b{R}c{R}d"
    assert one_line("naïve café ☕ 日本語 עברית") == "naïve café ☕ 日本語 עברית"  # ordinary text untouched


def test_lone_surrogates_become_one_replacement_cell() -> None:
    assert one_line("a\ud800b") == f"a{R}b"
    assert multi_line("a\udfff\nb") == f"a{R}\nb"
    assert one_line("🙂") == "🙂"  # a real astral character is not a surrogate pair in Python
