"""A screen's own entries in the command palette (ctrl+p), offered only while that screen is open.

A screen lists a `ScreenCommands` subclass in its `COMMANDS`; the subclass names the entries. The app's
entries, and the logs screen's, are in palette.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: One palette entry: its title, its help line, what it does.
Entry = tuple[str, str, Callable[[], object]]


class ScreenCommands(Provider):
    """A screen's own palette entries, offered while that screen is open: a screen lists its subclass in
    `COMMANDS`, and the subclass says which entries (`entries`)."""

    def entries(self) -> Iterable[Entry]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for name, help_text, callback in self.entries():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self.entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
