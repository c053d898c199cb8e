"""Tag toggles: the usual severities plus whatever tags the data has. Everything on = no tag filter."""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.app import ComposeResult
from textual.containers import ScrollableContainer
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Label

from logtui.core.safe_text import one_line

DEFAULT_TAGS = ("INFO", "WARNING", "ERROR", "DEBUG")


def _checkbox_id(tag: str) -> str:
    # Tags are free text on the wire; ids must be identifiers, so encode anything unusual.
    return "tag-" + "".join(c if c.isalnum() else f"_{ord(c):x}_" for c in tag)


def _label(tag: str) -> Content:
    # Tags come from the server: plain text on one line, never markup or terminal control sequences.
    return Content(one_line(tag))


#: Width of one toggle's grid cell: "▐X▌ WARNING" and a gap; longer tags are cut (the palette has them whole).
CELL_WIDTH = 14


class TagFilter(ScrollableContainer):
    """A grid of toggles that wraps onto more rows as tags appear (styled in logs.tcss), so none hides."""

    class Changed(Message):
        """`tags` is the tag filter to send: empty when every known tag is on (i.e. no filter)."""

        def __init__(self, tags: tuple[str, ...], nothing_selected: bool) -> None:
            super().__init__()
            self.tags = tags
            self.nothing_selected = nothing_selected

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tags: list[str] = []

    def on_resize(self, event: events.Resize) -> None:
        self.styles.grid_size_columns = max(1, event.size.width // CELL_WIDTH)

    def compose(self) -> ComposeResult:
        yield Label("Tags", classes="filter-label")
        for tag in DEFAULT_TAGS:
            self._tags.append(tag)
            yield Checkbox(
                _label(tag), True, id=_checkbox_id(tag), compact=True, classes=f"tag tag-{tag.lower()}"
            )

    @property
    def known_tags(self) -> list[str]:
        return list(self._tags)

    def add_tags(self, tags: Iterable[str]) -> None:
        """Add toggles for tags seen in the data; new ones start on so they don't silently hide records."""
        new = [t for t in tags if t and t not in self._tags]
        for tag in sorted(new):
            self._tags.append(tag)
            self.mount(Checkbox(_label(tag), True, id=_checkbox_id(tag), compact=True, classes="tag"))

    def selected(self) -> list[str]:
        return [t for t in self._tags if self.query_one(f"#{_checkbox_id(t)}", Checkbox).value]

    def set_tag(self, tag: str, on: bool) -> None:
        self.query_one(f"#{_checkbox_id(tag)}", Checkbox).value = on

    def toggle(self, tag: str) -> None:
        box = self.query_one(f"#{_checkbox_id(tag)}", Checkbox)
        box.value = not box.value

    def show_only(self, tag: str | None) -> None:
        """Switch every toggle off but `tag` (None: all on), posting one Changed for the lot."""
        with self.prevent(Checkbox.Changed):
            for name in self._tags:
                self.query_one(f"#{_checkbox_id(name)}", Checkbox).value = tag is None or name == tag
        self.post_message(self.Changed(self.filter_tags(), nothing_selected=not self.selected()))

    def filter_tags(self) -> tuple[str, ...]:
        chosen = self.selected()
        return () if len(chosen) == len(self._tags) else tuple(chosen)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        chosen = self.selected()
        self.post_message(self.Changed(self.filter_tags(), nothing_selected=not chosen))
