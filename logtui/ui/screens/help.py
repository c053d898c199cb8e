"""F1 / ?: every key, the time syntax, and where the config lives."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from logtui.core import paths

HELP_TEXT = """\
# logtui — keys

## The time window (UTC)
| Key | Does |
|---|---|
| `1` … `6` | last 15m · 1h · 6h · 24h · 7d · everything |
| `[` / `]` | step the window back / forward by its width |
| `s` | edit start and end (Enter applies; a wrong value is marked and nothing is sent) |
| `j` | jump to where the data is (when the window is empty) |

Times: `2023-04-23T10:00:00`, `2023-04-23` (a whole day as start and end), `now`, `now-15m`, `-2h`,
`15m` (15 minutes ago), `today`, `yesterday`. An empty start or end is open-ended.

## Filters and the view
| Key | Does |
|---|---|
| `/` | search messages (case-insensitive, sent to the server; matches highlighted) |
| tag boxes | click or Tab to one and press Space: show or hide that tag |
| ↑ ↓ PgUp PgDn Home End | move through what is loaded (more pages load as you scroll) |
| `G` / `g` | the window's newest records at once / back to its start |
| `Enter` | open the record: full message, JSON pretty-printed, `c` copies it |
| `y` | copy the selected record |
| `w` | wrap long messages |
| histogram | click a bar, or focus it and use ← → Enter: zoom the window to that bucket |
| `Esc` | back to the records |

## Live tail and export
| Key | Does |
|---|---|
| `f` | follow: poll for new records (interval: `follow_interval` in the config) |
| `n` | jump to the new records when you have scrolled away |
| `e` | export the window with its filters to CSV or JSON Lines (`e` again cancels) |

## Targets, the local service, everything else
| Key | Does |
|---|---|
| `t` | targets: switch, add, edit, remove (saved in the config file) |
| `c` | the local service: build, start, stop, back up… |
| `r` | retry what failed |
| `ctrl+p` | command palette: every action by name |
| `F1` / `?` | this help |
| `ctrl+q` | quit |

Config file: `{config}`
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("f1", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP_TEXT.format(config=paths.config_file()), id="help-text")
