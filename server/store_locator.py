"""Which on-disk store to query: a fixed directory, or wherever the build's symlink points now."""

from __future__ import annotations

import os
from pathlib import Path


def _resolve(path: str, links: dict[str, str], depth: int = 0) -> str:
    """os.path.realpath, also recording every symlink met on the way (path -> its target)."""
    if depth > 40:
        raise OSError("too many levels of symbolic links")
    resolved = "/"
    for part in path.split("/"):
        if not part or part == ".":
            continue
        if part == "..":
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, part)
        try:
            target = os.readlink(candidate)
        except OSError:  # not a link, or missing
            resolved = candidate
            continue
        links[candidate] = target
        resolved = _resolve(os.path.join(resolved, target), links, depth + 1)
    return resolved


class StoreLocator:
    """Resolves the store per request: a build swaps a symlink atomically (os.replace), so every
    request sees the newest complete build.

    Resolving from scratch (realpath) costs ~40 us; instead the symlinks met the last time are
    re-read (one readlink each, ~1 us) and the path is resolved again only when one changed.
    """

    def __init__(self, link: Path | None = None, fixed: Path | None = None):
        if (link is None) == (fixed is None):
            raise ValueError("give either the store symlink or a fixed store directory")
        self.link = link
        self.fixed = Path(fixed).resolve() if fixed is not None else None
        self._links: dict[str, str] = {}
        self._path: str | None = None

    def current(self) -> str | None:
        """The store directory to use now, or None if there is none (yet)."""
        if self.fixed is not None:
            path = str(self.fixed)
            return path if os.path.isdir(path) else None
        if self._path is not None and self._unchanged():
            return self._path
        assert self.link is not None
        links: dict[str, str] = {}
        try:
            path = _resolve(os.path.abspath(self.link), links)
        except OSError:
            path = None
        if path is None or not os.path.isdir(path):
            self._path = None
            return None
        self._links, self._path = links, path
        return path

    def _unchanged(self) -> bool:
        try:
            return all(os.readlink(link) == target for link, target in self._links.items())
        except OSError:
            return False
