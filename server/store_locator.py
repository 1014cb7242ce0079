"""Which on-disk store to query: a fixed directory, or wherever the build's symlink points now."""

from __future__ import annotations

import os
from pathlib import Path


class StoreLocator:
    """Resolves the store per request: a build swaps the symlink atomically (os.replace), and
    resolving it costs one readlink, so every request sees the newest complete build."""

    def __init__(self, link: Path | None = None, fixed: Path | None = None):
        if (link is None) == (fixed is None):
            raise ValueError("give either the store symlink or a fixed store directory")
        self.link = link
        self.fixed = Path(fixed).resolve() if fixed is not None else None

    def current(self) -> str | None:
        """The store directory to use now, or None if there is none (yet)."""
        if self.fixed is not None:
            path = str(self.fixed)
        else:
            assert self.link is not None
            path = os.path.realpath(self.link)
        return path if os.path.isdir(path) else None
