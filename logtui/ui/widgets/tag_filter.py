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
#: Other spellings of the usual severities: a default box goes when the data uses one of these instead.
ALIASES = {"WARN": "WARNING", "ERR": "ERROR", "DBG": "DEBUG"}


def _checkbox_id(tag: str) -> str:
    # Tags are free text on the wire; ids must be identifiers, so encode anything unusual.
    return "tag-" + "".join(c if c.isalnum() else f"_{ord(c):x}_" for c in tag)


def _label(tag: str) -> Content:
    # Tags come from the server: plain text on one line, never markup or terminal control sequences.
    return Content(one_line(tag))


def _box(tag: str) -> Checkbox:
    # The usual severities have their colours in logs.tcss.
    classes = f"tag tag-{tag.lower()}" if tag in DEFAULT_TAGS else "tag"
    return Checkbox(_label(tag), True, id=_checkbox_id(tag), compact=True, classes=classes)


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
        #: Default boxes the target's data has not shown yet: they go when it turns out not to have them.
        self._provisional: set[str] = set(DEFAULT_TAGS)

    def on_resize(self, event: events.Resize) -> None:
        self.styles.grid_size_columns = max(1, event.size.width // CELL_WIDTH)

    def compose(self) -> ComposeResult:
        yield Label("Tags", classes="filter-label")
        for tag in DEFAULT_TAGS:
            self._tags.append(tag)
            yield _box(tag)

    @property
    def known_tags(self) -> list[str]:
        return list(self._tags)

    def add_tags(self, tags: Iterable[str]) -> None:
        """Add toggles for tags seen in the data; new ones start on so they don't silently hide records.

        A default box the data spells otherwise (WARNING when the data says WARN) goes, if it is on."""
        # "(other)" is how /stats sums the tags past its 50 largest: not a tag a box could filter on.
        seen = {t for t in tags if t and not t.startswith("(")}
        self._provisional -= seen
        new = [t for t in seen if t not in self._tags]
        for tag in sorted(new):
            self._tags.append(tag)
            self.mount(_box(tag))
        self._drop_provisional({ALIASES[t] for t in seen if ALIASES.get(t)})

    def show_store_tags(self, tags: Iterable[str]) -> None:
        """The whole store's tags are known: boxes for those, and none for defaults it does not have."""
        store = {t for t in tags if t and not t.startswith("(")}
        self.add_tags(store)
        self._drop_provisional(self._provisional - store)

    def _drop_provisional(self, tags: Iterable[str]) -> None:
        # A box switched off is the user's filter: it stays until they switch it back on.
        for tag in [t for t in tags if t in self._provisional]:
            box = self.query_one(f"#{_checkbox_id(tag)}", Checkbox)
            if box.value:
                self._tags.remove(tag)
                self._provisional.discard(tag)
                box.remove()

    def reset(self) -> None:
        """Back to the usual severities, all on, for a new target (without posting Changed)."""
        with self.prevent(Checkbox.Changed):
            for tag in list(self._tags):
                if tag not in DEFAULT_TAGS:
                    self._tags.remove(tag)
                    self.query_one(f"#{_checkbox_id(tag)}", Checkbox).remove()
                else:
                    self.query_one(f"#{_checkbox_id(tag)}", Checkbox).value = True
        for tag in DEFAULT_TAGS:
            if tag not in self._tags:
                self._tags.append(tag)
                self.mount(_box(tag))
        self._provisional = set(DEFAULT_TAGS)

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
