"""F1 / ?: every key, the time syntax, and where the config lives."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from logtui.core import paths

SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "The time window (in the zone named beside start/end: display_tz, UTC by default)",
        [
            ("1 … 6", "last 15m · 1h · 6h · 24h · 7d · everything"),
            ("[  ]", "step the window back / forward by its width"),
            ("s", "edit start and end (Enter applies; a wrong value is marked and nothing is sent)"),
            ("j", "jump to where the data is (when the window is empty; or click the notice)"),
            (
                "z",
                "times in UTC / in your zone (display_tz, or local time when that is UTC): the list, the "
                "inputs, the histogram",
            ),
        ],
    ),
    (
        "Filters and the view",
        [
            ("/", "search messages (case-insensitive, sent to the server; matches highlighted)"),
            ("tag boxes", "Tab to one and Space (or click): show or hide that tag"),
            ("↑ ↓ PgUp PgDn", "move through what is loaded (more pages load as you scroll)"),
            ("Home End", "first / last loaded record"),
            ("G  g", "the window's newest records at once / back to paging from its start"),
            (
                "Enter",
                "open the record: its time in UTC and in your zone, the full message, JSON pretty-printed, "
                "c copies it",
            ),
            ("y", "copy the selected record"),
            ("w", "wrap long messages, shown raw (a JSON object is otherwise one line of key=value)"),
            (
                "histogram",
                "click a bar, or focus it: ← → step, PgUp/PgDn jump over empty bars, Home/End first/last bar "
                "with records, Enter zooms the window to that bar",
            ),
            ("Backspace", "back to the previous window (after a zoom, a preset, a step…)"),
            ("Esc", "back to the records"),
        ],
    ),
    (
        "Live tail and export",
        [
            ("f", "follow: poll for new records (every follow_interval seconds; backs off while failing)"),
            ("n", "jump to the new records when you have scrolled away"),
            ("e", "export the window with its filters to CSV or JSON Lines (e again cancels)"),
        ],
    ),
    (
        "Targets, the local service, everything else",
        [
            ("t", "targets: Enter switch · a add · e edit · d remove · m make default"),
            (
                "c",
                "the local service: build, start, stop, restart, remove, back up; "
                "o there keeps running containers' output in the store",
            ),
            ("r", "retry what failed"),
            ("ctrl+p", "command palette: every action by name"),
            ("F1  ?", "this help"),
            ("q  ctrl+q", "quit (q: on the records; on other screens it goes back)"),
        ],
    ),
]

TIMES = (
    "Times: 2023-04-23T10:00:00, 2023-04-23 (a whole day as start and end), now, now-15m, -2h, "
    "15m (15 minutes ago), today, yesterday. An empty start or end is open-ended. A time or day without "
    "an offset is read in the zone shown beside the inputs; add Z or +02:00 to give another."
)


def help_renderable() -> RenderableType:
    parts: list[RenderableType] = [Text("logtui — keys", style="bold"), Text("")]
    key_width = max(len(key) for _, rows in SECTIONS for key, _ in rows)
    for title, rows in SECTIONS:
        table = Table(
            title=title, title_justify="left", title_style="bold", show_header=False, box=None, expand=True
        )
        table.add_column("key", no_wrap=True, min_width=key_width, style="bold")
        table.add_column("does", ratio=1)
        for key, does in rows:
            table.add_row(key, does)
        parts += [table, Text("")]
    parts += [Text(TIMES), Text(""), Text(f"Config file: {paths.config_file()}")]
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("f1", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_renderable(), id="help-text")
