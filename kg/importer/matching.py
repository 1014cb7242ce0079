"""Identity: which work an entry of a source list is, if we have it already.

One work, one file: entries merge by arXiv id or by normalised title. But an arXiv id that
belongs to a work with another title, or a title whose work has another arXiv id, does not merge
silently: it is a conflict, reported for a person to resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kg.importer.checks import titles_agree
from kg.importer.entries import Entry, fold, slugify, title_key
from kg.loader import Catalog

Status = Literal["existing", "new", "conflict", "unmatched"]


@dataclass
class Match:
    entry: Entry
    status: Status
    work: str | None  # the work's id (existing, or the id a new draft gets)
    reason: str = ""
    # The entry's arXiv id is not to be trusted (it names another work).
    distrust_arxiv: bool = False


@dataclass
class KnownWork:
    id: str
    title: str
    arxiv: str | None
    methods: set[str]
    code: set[str]
    first_author: str = ""  # folded family name
    year: int | None = None


class WorkIndex:
    """The works we have, looked up by arXiv id, folded title, method name and code link."""

    def __init__(self, catalog: Catalog) -> None:
        self.works: dict[str, KnownWork] = {}
        self.by_arxiv: dict[str, str] = {}
        self.by_title: dict[str, str] = {}
        self.by_method: dict[str, str] = {}
        self.by_code: dict[str, str] = {}
        self.by_citation: dict[tuple[str, int], list[str]] = {}
        names = {pid: loc.record.name for pid, loc in catalog.people.items()}
        method_labels = {m: fold(loc.record.label) for m, loc in catalog.methods.items()}
        for work_id, located in catalog.papers.items():
            p = located.record
            methods = {fold(m) for m in p.introduces} | {
                method_labels[m] for m in p.introduces if m in method_labels}
            first = fold(names.get(p.authors[0], "")).split()[-1:] if p.authors else []
            year = int(p.date[:4]) if p.date else None
            self.add(KnownWork(work_id, p.title, p.arxiv, methods, set(p.code),
                               first[0] if first else "", year))

    def add(self, work: KnownWork) -> None:
        self.works[work.id] = work
        if work.arxiv:
            self.by_arxiv.setdefault(work.arxiv, work.id)
        self.by_title.setdefault(title_key(work.title), work.id)
        for method in work.methods:
            self.by_method.setdefault(method, work.id)
        for url in work.code:
            self.by_code.setdefault(url.lower().rstrip("/"), work.id)
        if work.first_author and work.year:
            self.by_citation.setdefault((work.first_author, work.year), []).append(work.id)

    def taken(self, work_id: str) -> bool:
        return work_id in self.works

    def match(self, entry: Entry) -> Match:
        if entry.method is not None:
            return self._match_method(entry)
        by_id = self.by_arxiv.get(entry.arxiv) if entry.arxiv else None
        by_title = self.by_title.get(title_key(entry.title))
        if by_id and by_title and by_id != by_title:
            known = self.works[by_id]
            return Match(entry, "conflict", by_title, distrust_arxiv=True, reason=(
                f"the title is that of {by_title!r}, but the link names arXiv {entry.arxiv}, "
                f"which is {by_id!r} ({known.title!r})"))
        if by_id:
            known = self.works[by_id]
            if titles_agree(known.title, entry.title):
                return Match(entry, "existing", by_id, reason=f"same arXiv id {entry.arxiv}")
            return Match(entry, "conflict", None, distrust_arxiv=True, reason=(
                f"arXiv {entry.arxiv} is already {by_id!r} with the title {known.title!r}; "
                "this entry's link points at a different paper"))
        if by_title:
            known = self.works[by_title]
            if entry.arxiv and known.arxiv and known.arxiv != entry.arxiv:
                return Match(entry, "conflict", by_title, distrust_arxiv=True, reason=(
                    f"the title is that of {by_title!r} (arXiv {known.arxiv}), but the link "
                    f"names arXiv {entry.arxiv}"))
            return Match(entry, "existing", by_title, reason="same title")
        return Match(entry, "new", None)

    def _match_method(self, entry: Entry) -> Match:
        """A table row names a method; it is the work that introduces it, or that has its code."""
        method = fold(entry.method or "")
        if work := self.by_method.get(method) or self.by_method.get(slugify(entry.method or "")):
            return Match(entry, "existing", work, reason=f"introduces {entry.method}")
        for url in entry.code:
            if work := self.by_code.get(url.lower().rstrip("/")):
                return Match(entry, "existing", work, reason=f"same code link {url}")
        # "Kwon et al. [2023]": the first author's family name and the year, if exactly one
        # work fits.
        cited = re.match(r"^\s*([A-Za-z'-]+)\b.*?(\d{4})\s*$",
                         f"{entry.method} {entry.citation or ''}")
        if cited:
            works = self.by_citation.get((fold(cited.group(1)), int(cited.group(2))), [])
            if len(works) == 1:
                return Match(entry, "existing", works[0],
                             reason=f"first author and year ({entry.citation or entry.method})")
        return Match(entry, "unmatched", None, reason=(
            f"the row names {entry.method!r} ({entry.citation or 'no citation'}) but no title; "
            "identify the paper by hand"))
