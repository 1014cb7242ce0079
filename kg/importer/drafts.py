"""Writing what an entry says into the data folder: a draft file for a new work, or a new
listing (and only values that are still missing) for a work we have. A field a person curated
is never overwritten; YAML files are edited round-trip, so comments and layout stay."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kg.importer.checks import acronym, arxiv_month
from kg.importer.entries import Entry, Problem, slugify
from kg.importer.markdown_list import parse_month_year

ARXIV_DOI = "derived from the arXiv id (10.48550/arXiv.ID)"
ARXIV_DATE = "derived from the arXiv id (the month of its first version)"
URL_IN_TEXT = re.compile(r"https?://[^\s<>()\"]+[^\s<>()\".,;:]")
# Problems that mean the entry's value of a field must not be taken as it is.
DISTRUSTED = {"link-copied-from-another-entry": ("code", "project_page")}


def yaml_rt() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


@dataclass
class Draft:
    """The fields an entry gives, what the list gave for each, and what we corrected."""

    fields: dict[str, Any] = field(default_factory=dict)
    gives: list[str] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)
    corrections: list[dict[str, Any]] = field(default_factory=list)

    def give(self, name: str, value: Any) -> None:
        if value in (None, [], ""):
            return
        self.fields[name] = value
        if name not in self.gives:
            self.gives.append(name)

    def derive(self, name: str, value: Any, how: str) -> None:
        if value in (None, [], "") or name in self.fields:
            return
        self.fields[name] = value
        self.provenance[name] = how

    def correct(self, name: str, value: Any, as_written: str, reason: str, source: str,
                line: int, how: str | None = None) -> None:
        if value not in (None, [], ""):
            self.fields[name] = value
            if how:
                self.provenance[name] = how
        self.corrections.append({"field": name, "source": source, "line": line,
                                 "as_written": as_written, "reason": reason})


def venue_id(text: str | None, venues: dict[str, str]) -> str | None:
    """The venue a note such as `2024, ICML` or `ICLR oral` names, by acronym."""
    if not text:
        return None
    for word in re.findall(r"[A-Za-z]+", text):
        if word.lower() in venues:
            return venues[word.lower()]
    return None


def draft_fields(entry: Entry, source: str, problems: list[Problem], distrust_arxiv: bool,
                 venues: dict[str, str], person_ids: list[str],
                 distrust_reason: str = "") -> Draft:
    d = Draft()
    distrusted = {f for p in problems if p.line == entry.line for f in DISTRUSTED.get(p.kind, ())}
    if entry.work_type != "paper":
        d.give("type", entry.work_type)
    if entry.title != entry.title_as_written:
        d.correct("title", entry.title, entry.title_as_written,
                  "scraping debris: " + "; ".join(
                      p.message for p in problems if p.line == entry.line
                      and p.kind == "scraping-debris") or "scraping debris in the title",
                  source, entry.line)
    else:
        d.give("title", entry.title)

    arxiv = None if distrust_arxiv else entry.arxiv
    if arxiv:
        d.give("arxiv", arxiv)
        d.derive("doi", f"10.48550/arXiv.{arxiv}", ARXIV_DOI)
    if entry.url:
        if entry.arxiv_version and arxiv:
            d.correct("url", f"https://arxiv.org/abs/{arxiv}", entry.url,
                      f"the link names version {entry.arxiv_version}; the work is the "
                      "versionless id", source, entry.line)
        elif entry.url.startswith("hhttps://"):
            d.correct("url", entry.url[1:], entry.url, "malformed link: 'hhttps'", source,
                      entry.line)
        elif distrust_arxiv:
            d.correct("url", None, entry.url,
                      "the link's arXiv id is held back until resolved by hand: "
                      + (distrust_reason or "it names a different paper"), source, entry.line)
        else:
            d.give("url", entry.url)

    month = arxiv_month(arxiv) if arxiv else None
    listed = parse_month_year(entry.date_text) if entry.date_text else None
    if month:
        date = f"{month[0]}-{month[1]:02d}"
        if listed and (listed[0], listed[1] or month[1]) == month:
            d.give("date", date)
        else:
            d.derive("date", date, ARXIV_DATE)
            if listed and not (listed[1] is None and entry.venue_text):
                d.correct("date", date, entry.date_text or "", (
                    f"arXiv {arxiv} was first submitted in {date}"), source, entry.line,
                    how=ARXIV_DATE)
    elif listed and listed[1]:
        d.give("date", f"{listed[0]}-{listed[1]:02d}")

    if entry.venue_text:
        d.give("venue_note", entry.venue_text)
        d.give("venue", venue_id(entry.venue_text, venues))
    d.give("authors", person_ids)
    d.give("keywords", entry.keywords)
    d.give("abstract", entry.abstract)
    code = [c for c in entry.code if "code" not in distrusted]
    d.give("code", code)
    for url in entry.code:
        if "code" in distrusted:
            d.correct("code", None, url, "the same link belongs to another work of the list",
                      source, entry.line)
    if entry.website and "project_page" in distrusted:
        d.correct("project_page", None, entry.website,
                  "the same link belongs to another work of the list", source, entry.line)
    else:
        d.give("project_page", entry.website)
    if entry.abstract:
        _links_in_abstract(entry.abstract, source, d)
    return d


def _links_in_abstract(abstract: str, source: str, d: Draft) -> None:
    """Code and project pages that an abstract names ('Code is at https://github.com/...')."""
    for url in URL_IN_TEXT.findall(abstract):
        how = f"named in the abstract as {source} gives it"
        if re.match(r"https?://github\.com/[^/]+/[^/]+", url):
            if "code" not in d.fields:
                d.fields["code"] = [url]
                d.provenance["code"] = how
        elif "project_page" not in d.fields:
            d.fields["project_page"] = url
            d.provenance["project_page"] = how


def new_work_id(entry: Entry, taken: set[str]) -> tuple[str, bool]:
    """An id for a new work: its short name if it has one, else the first words of its title.
    Returns the id and whether the short name was already used by another work."""
    short = acronym(entry.title)
    base = slugify(short or "", 8) if short else slugify(entry.title, 6)
    base = base or "work"
    if base not in taken:
        return base, False
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}", bool(short)


FIELD_ORDER = [
    "id", "type", "title", "arxiv", "doi", "date", "venue", "venue_note", "url", "authors",
    "abstract", "keywords", "code", "project_page", "domains", "introduces", "uses_methods",
    "evaluated_on", "models", "rl_components", "metrics", "listings", "provenance", "corrections",
]


def listing_of(entry: Entry, source: str, categories: list[str], gives: list[str]) -> CommentedMap:
    listing = CommentedMap()
    listing["source"] = source
    listing["line"] = entry.line
    if categories:
        listing["categories"] = CommentedSeq(categories)
        listing["categories"].fa.set_flow_style()
    listing["gives"] = CommentedSeq(gives)
    listing["gives"].fa.set_flow_style()
    if entry.in_comment:
        listing["in_html_comment"] = True
    return listing


def write_new_work(path: Path, work_id: str, draft: Draft, listing: CommentedMap,
                   origin: str) -> None:
    doc = CommentedMap()
    doc["id"] = work_id
    values = dict(draft.fields)
    for name in FIELD_ORDER[1:]:
        if name in values:
            value = values[name]
            if isinstance(value, list):
                value = CommentedSeq(value)
                if name in {"authors", "keywords", "code"}:
                    value.fa.set_flow_style()
            doc[name] = value
    doc["listings"] = CommentedSeq([listing])
    if draft.provenance:
        doc["provenance"] = CommentedMap(sorted(draft.provenance.items()))
    if draft.corrections:
        doc["corrections"] = CommentedSeq([CommentedMap(c) for c in draft.corrections])
    doc.yaml_set_start_comment(
        f"Drafted by `vrlkg import` from {origin}; check it, then delete this line.")
    with path.open("w", encoding="utf-8") as handle:
        yaml_rt().dump(doc, handle)


def add_listing(path: Path, draft: Draft, listing: CommentedMap) -> list[str]:
    """Add a listing to a work we have, and the values it gives that the work still lacks.
    Returns the fields whose values differ from the work's (not changed: reported)."""
    yaml = yaml_rt()
    doc = yaml.load(path.read_text(encoding="utf-8"))
    listings = doc.setdefault("listings", CommentedSeq())
    for existing in listings:
        if existing.get("source") == listing["source"] and existing.get("line") == listing["line"]:
            return []
    differs, gives = [], []
    for name in draft.gives:
        value = draft.fields[name]
        current = doc.get(name)
        if current in (None, [], ""):
            doc[name] = CommentedSeq(value) if isinstance(value, list) else value
            gives.append(name)
        elif _same(current, value):
            gives.append(name)
        else:
            differs.append(name)
    listing["gives"] = CommentedSeq(gives)
    listing["gives"].fa.set_flow_style()
    listings.append(listing)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(doc, handle)
    return differs


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return {str(x).lower().rstrip("/") for x in a} >= {str(x).lower().rstrip("/") for x in b}
    return str(a).strip().lower() == str(b).strip().lower()
