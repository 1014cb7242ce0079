"""Defects that show only across entries of one list: duplicates, one arXiv id under two
titles, dates that contradict the arXiv id, links copied from a neighbouring entry."""

from __future__ import annotations

import re
from collections import defaultdict

from kg.importer.entries import Entry, ParsedList, Problem, fold, title_key
from kg.importer.markdown_list import parse_month_year

BLOG_DATE = re.compile(r"/(?P<year>20\d\d)/(?P<month>\d\d)/")


def arxiv_month(arxiv: str) -> tuple[int, int] | None:
    """An arXiv id's year and month of first submission (new-style ids only)."""
    match = re.match(r"^(\d\d)(\d\d)\.\d{4,5}$", arxiv)
    if not match:
        return None
    return 2000 + int(match.group(1)), int(match.group(2))


def acronym(title: str) -> str | None:
    """The short name before a colon (`VLM-R1: A Stable ...` -> `vlm r1`), if there is one."""
    head, colon, _ = title.partition(":")
    if colon and len(head.split()) <= 3 and len(head) <= 30:
        return fold(head)
    return None


def titles_agree(a: str, b: str) -> bool:
    fa, fb = title_key(a), title_key(b)
    return fa == fb or (min(len(fa), len(fb)) > 20 and (fa in fb or fb in fa))


def check_list(parsed: ParsedList) -> list[Problem]:
    entries = [e for e in parsed.entries if e.method is None]
    found: list[Problem] = []
    found += _duplicates_and_shared_ids(entries)
    found += _dates(entries)
    found += _copied_links(entries)
    found += _shared_acronyms(entries)
    return found


def _duplicates_and_shared_ids(entries: list[Entry]) -> list[Problem]:
    found = []
    by_title: dict[str, Entry] = {}
    by_arxiv: dict[str, Entry] = {}
    for entry in entries:
        key = title_key(entry.title)
        if key in by_title:
            first = by_title[key]
            found.append(Problem("duplicate-in-list", entry.line, entry.title,
                                 f"the same work is listed on line {first.line}"))
        else:
            by_title[key] = entry
        if entry.arxiv:
            other = by_arxiv.get(entry.arxiv)
            if other and not titles_agree(other.title, entry.title):
                found.append(Problem(
                    "arxiv-id-shared", entry.line, f"arXiv {entry.arxiv}",
                    f"arXiv {entry.arxiv} is also linked from a different title on line "
                    f"{other.line} ({other.title!r}); at most one of them is right"))
            by_arxiv.setdefault(entry.arxiv, entry)
        if entry.arxiv_version:
            found.append(Problem("versioned-arxiv-link", entry.line,
                                 f"{entry.arxiv}{entry.arxiv_version}",
                                 "the link names one version; the work is the versionless id"))
    return found


def _dates(entries: list[Entry]) -> list[Problem]:
    found = []
    for entry in entries:
        listed = parse_month_year(entry.date_text) if entry.date_text else None
        if entry.arxiv and listed and not (listed[1] is None and entry.venue_text):
            # A bare year next to a venue is the venue's year, not the preprint's.
            month = arxiv_month(entry.arxiv)
            year, listed_month = listed
            if month and (month[0] != year or (listed_month and month[1] != listed_month)):
                found.append(Problem(
                    "date-contradicts-arxiv-id", entry.line, f"({entry.date_text}) {entry.arxiv}",
                    f"the list says {entry.date_text}, but arXiv {entry.arxiv} was first "
                    f"submitted in {month[0]}-{month[1]:02d}"))
        if entry.url and listed and (blog := BLOG_DATE.search(entry.url)):
            year, listed_month = listed
            if int(blog.group("year")) != year:
                found.append(Problem(
                    "date-contradicts-link", entry.line, f"({entry.date_text}) {entry.url}",
                    f"the list says {entry.date_text}, but the link is dated "
                    f"{blog.group('year')}-{blog.group('month')}"))
    return found


def _copied_links(entries: list[Entry]) -> list[Problem]:
    """A code or website link that another work of the list also has: one of them copied it.
    The owner is the work whose name the link carries (`lll6gg/UI-R1` belongs to UI-R1); the
    others are reported."""
    holders: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        for url in {*entry.code, *([entry.website] if entry.website else [])}:
            holders[url.lower().rstrip("/")].append(entry)
    found = []
    for url, group in sorted(holders.items()):
        works = {fold(e.title): e for e in group}
        if len(works) < 2:
            continue
        name = fold(re.sub(r"^https?://(github\.com/[^/]+/)?", "", url).split(".github.io")[0])
        owners = [e for e in works.values()
                  if name and fold(e.title).replace(" ", "").startswith(name.replace(" ", ""))]
        owner = owners[0] if owners else min(works.values(), key=lambda e: e.line)
        for entry in sorted(group, key=lambda e: e.line):
            if fold(entry.title) == fold(owner.title):
                continue
            near = "the neighbouring entry" if abs(entry.line - owner.line) < 12 else "the entry"
            found.append(Problem(
                "link-copied-from-another-entry", entry.line, url,
                f"{near} on line {owner.line} ({owner.title[:60]!r}) has the same link, and the "
                "link names that work, not this one"))
    return found


def _shared_acronyms(entries: list[Entry]) -> list[Problem]:
    seen: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if (short := acronym(entry.title)) is not None:
            seen[short].append(entry)
    found = []
    for short, group in seen.items():
        distinct = {fold(e.title) for e in group}
        if len(distinct) > 1:
            lines = ", ".join(str(e.line) for e in group)
            for entry in group[1:]:
                found.append(Problem(
                    "acronym-shared", entry.line, short,
                    f"the name {short!r} is used by different works (lines {lines}); they are "
                    "kept apart"))
    return found
