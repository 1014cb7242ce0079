"""What a parser reads out of a source list: its sections and its entries, each with its line."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

ARXIV_URL = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?P<version>v\d+)?(?:\.pdf)?/?$"
)
HF_PAPER_URL = re.compile(r"https?://huggingface\.co/papers/(?P<id>\d{4}\.\d{4,5})/?$")
URL_OK = re.compile(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:[/?#][^\s<>\"{}|\\^`]*)?$")


@dataclass
class Problem:
    """A defect of the source list, found while reading it."""

    kind: str  # e.g. "malformed-url", "date-contradicts-arxiv-id", "duplicate-in-list"
    line: int
    evidence: str
    message: str


@dataclass
class Section:
    key: str  # the concept id within the source's scheme
    label: str
    level: int
    line: int
    parent: str | None
    definition: str | None = None
    in_comment: bool = False


@dataclass
class Entry:
    """One work as a source list gives it (values as written, after encoding repair)."""

    line: int
    title: str  # cleaned of debris; the text as written is in title_as_written
    title_as_written: str
    url: str | None = None
    arxiv: str | None = None
    arxiv_version: str | None = None
    code: list[str] = field(default_factory=list)
    website: str | None = None
    date_text: str | None = None
    venue_text: str | None = None
    authors: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    environments: list[tuple[str, str | None]] = field(default_factory=list)
    abstract: str | None = None
    section: str | None = None  # Section.key
    in_comment: bool = False
    work_type: str = "paper"
    # Table rows (list 002) name a method and cite its paper instead of giving a title.
    method: str | None = None
    citation: str | None = None
    models: list[str] = field(default_factory=list)
    fine_tuned_mark: str | None = None
    rl_roles: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ParsedList:
    file: str
    entries: list[Entry]
    sections: list[Section]
    problems: list[Problem]
    repaired_encoding: bool = False


def arxiv_of(url: str) -> tuple[str, str | None] | None:
    """The arXiv id (and version suffix) a link names, if it names one."""
    match = ARXIV_URL.search(url.strip()) or HF_PAPER_URL.search(url.strip())
    if not match:
        return None
    return match.group("id"), match.groupdict().get("version")


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits separated by single spaces."""
    # Dashes and spaces of any kind (non-breaking hyphen, narrow no-break space) separate words.
    text = "".join(" " if unicodedata.category(ch) in {"Pd", "Zs"} else ch for ch in text)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()


def title_key(text: str) -> str:
    """What two spellings of one title share: `ViKi-R: ...` and `VIKIR: ...` give one key."""
    return fold(text).replace(" ", "")


def slugify(text: str, max_words: int = 6) -> str:
    words = fold(text).split()
    return "-".join(words[:max_words])
