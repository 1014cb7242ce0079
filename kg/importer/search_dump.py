"""Parser for a paper-search results page saved as text: alternating lines of title and abstract
(the Hugging Face paper search, as in source 003), with no identifiers."""

from __future__ import annotations

import re

from kg.importer.entries import Entry, ParsedList, Problem

# Page furniture that the scrape glued to the first title, and lines that are only furniture.
FURNITURE = ("Get trending papers in your email inbox", "Subscribe")
MAX_TITLE = 300
DEBRIS_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"<[a-zA-Z/][^>]*>"), "an HTML tag"),
    (re.compile(r"\\[a-zA-Z]+"), "a LaTeX command"),
    (re.compile(r"\{[^{}\s]{1,20}\}"), "LaTeX braces"),
    (re.compile(r"\b[a-z]{2,}\.[A-Z][a-z]+\b"), "two sentences glued together (a lost line break)"),
    (re.compile(r"(?:Get trending papers|Subscribe|Upvote|View all)"), "page furniture"),
]


def _strip_furniture(title: str) -> str:
    for prefix in ("Subscribe",):
        if title.startswith(prefix) and len(title) > len(prefix) and title[len(prefix)].isupper():
            return title[len(prefix):]
    return title


def _title_like(line: str) -> bool:
    """A title is short, is one sentence and does not end with a full stop; an abstract is not."""
    return len(line) <= MAX_TITLE and ". " not in line and not line.endswith(".")


def debris_in(text: str) -> list[str]:
    return [what for pattern, what in DEBRIS_PATTERNS if pattern.search(text)]


def parse_search_dump(text: str, file: str) -> ParsedList:
    entries: list[Entry] = []
    problems: list[Problem] = []
    lines = text.splitlines()
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or any(line.startswith(f) and len(line) < 80 for f in FURNITURE[:1]):
            continue
        if pending is None:
            if len(line) > MAX_TITLE:
                problems.append(Problem("missing-title", number, line[:120],
                                        "an abstract without a title before it"))
                continue
            pending = (number, line)
            continue
        title_line, title_as_written = pending
        if _title_like(line):
            # Two title-like lines in a row: the first one has no abstract.
            problems.append(Problem("missing-abstract", title_line, title_as_written,
                                    "a title without an abstract"))
            entries.append(Entry(line=title_line, title=_strip_furniture(title_as_written),
                                 title_as_written=title_as_written))
            pending = (number, line)
            continue
        entry = Entry(line=title_line, title=_strip_furniture(title_as_written),
                      title_as_written=title_as_written, abstract=line)
        if entry.title != title_as_written:
            entry.problems.append(Problem(
                "scraping-debris", title_line, title_as_written,
                "page furniture glued to the title: " + title_as_written[:len(title_as_written)
                                                                        - len(entry.title)]))
        for what in debris_in(line):
            entry.problems.append(Problem("scraping-debris", number, line[:160],
                                          f"the abstract contains {what}"))
        entries.append(entry)
        pending = None
    if pending is not None:
        number, title = pending
        entries.append(Entry(line=number, title=_strip_furniture(title), title_as_written=title))
        problems.append(Problem("missing-abstract", number, title, "a title without an abstract"))
    for entry in entries:
        problems.extend(entry.problems)
    return ParsedList(file, entries, [], problems)
