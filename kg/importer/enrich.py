"""`vrlkg enrich`: apply recorded look-ups (arXiv id, authors, venue found for a work's exact
title) to the curated YAML, each value with the page it was found on.

A findings file has one JSON object per line:
  {"id": "mm-eureka", "title_found": "...", "arxiv": "2503.07365",
   "authors": ["Fanqing Meng", "..."], "authors_complete": true, "venue": "CVPR 2025",
   "evidence_url": "https://arxiv.org/abs/2503.07365", "authors_url": "...", "note": "..."}
or {"id": ..., "not_found": true, "note": ...}. Values a person curated are never overwritten; an
arXiv id that a list linked but that belongs to another paper is corrected, keeping the value
as written and the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kg.importer.checks import arxiv_month, titles_agree
from kg.importer.drafts import ARXIV_DATE, ARXIV_DOI, venue_id, yaml_rt
from kg.importer.entries import fold, slugify
from kg.loader import load_catalog

ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$")


class FindingsError(Exception):
    """A findings file that cannot be read: the message names the line."""


@dataclass
class EnrichResult:
    updated: list[str] = field(default_factory=list)
    corrected: list[tuple[str, str]] = field(default_factory=list)  # work, what
    skipped: list[tuple[str, str]] = field(default_factory=list)  # work, why
    people_added: list[str] = field(default_factory=list)


def read_findings(path: Path) -> list[dict[str, Any]]:
    findings = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            finding = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FindingsError(f"{path}:{number}: not JSON: {exc.msg}") from None
        if not isinstance(finding, dict) or not isinstance(finding.get("id"), str):
            raise FindingsError(f"{path}:{number}: id: every finding needs the work's id")
        arxiv = finding.get("arxiv")
        if arxiv is not None and not (isinstance(arxiv, str) and ARXIV_ID.match(arxiv)):
            raise FindingsError(f"{path}:{number}: arxiv: not an arXiv id: {arxiv!r}")
        finding["_line"] = number
        findings.append(finding)
    return findings


class _PeopleFile:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "people.yaml"
        self.yaml = yaml_rt()
        self.doc = self.yaml.load(self.path.read_text(encoding="utf-8")) or CommentedSeq()
        self.by_name = {fold(str(p["name"])): str(p["id"]) for p in self.doc}
        self.ids = {str(p["id"]) for p in self.doc}
        self.added: list[str] = []

    def id_for(self, name: str) -> str:
        name = " ".join(name.split())
        if (known := self.by_name.get(fold(name))) is not None:
            return known
        base = slugify(name, 8) or "person"
        person_id, n = base, 2
        while person_id in self.ids:
            person_id, n = f"{base}-{n}", n + 1
        record = CommentedMap()
        record["id"], record["name"] = person_id, name
        self.doc.append(record)
        self.by_name[fold(name)] = person_id
        self.ids.add(person_id)
        self.added.append(person_id)
        return person_id

    def save(self) -> None:
        if self.added:
            with self.path.open("w", encoding="utf-8") as handle:
                self.yaml.dump(self.doc, handle)


def apply_findings(data_dir: Path, findings: list[dict[str, Any]]) -> EnrichResult:
    catalog = load_catalog(data_dir)
    venues = {v.record.id: v.record.id for v in catalog.venues.values()} | {
        v.record.acronym.lower(): v.record.id for v in catalog.venues.values() if v.record.acronym}
    people = _PeopleFile(data_dir)
    result = EnrichResult()
    yaml = yaml_rt()
    for finding in findings:
        work = finding["id"]
        path = data_dir / "papers" / f"{work}.yaml"
        if not path.exists():
            result.skipped.append((work, "no such work in data/papers"))
            continue
        if finding.get("not_found"):
            result.skipped.append((work, "not found: " + str(finding.get("note", ""))))
            continue
        doc = yaml.load(path.read_text(encoding="utf-8"))
        found_title = finding.get("title_found")
        same_id = bool(finding.get("arxiv")) and finding.get("arxiv") == doc.get("arxiv")
        if found_title and not same_id and not similar_titles(found_title, str(doc["title"])):
            result.skipped.append((work, f"the page's title {found_title!r} is not this work's"))
            continue
        before = yaml_dump(yaml, doc)
        _apply(doc, finding, venues, people, result)
        if yaml_dump(yaml, doc) != before:
            if _resolved(doc):
                doc.ca.comment = None  # the "Drafted by `vrlkg import`" line: checked now
            with path.open("w", encoding="utf-8") as handle:
                yaml.dump(doc, handle)
            result.updated.append(work)
    people.save()
    result.people_added = people.added
    return result


def similar_titles(a: str, b: str) -> bool:
    """The same title up to a word changed between versions ('Master' / 'Mastering')."""
    return titles_agree(a, b) or SequenceMatcher(None, fold(a), fold(b)).ratio() >= 0.93


def yaml_dump(yaml: Any, doc: Any) -> str:
    from io import StringIO

    buffer = StringIO()
    yaml.dump(doc, buffer)
    return buffer.getvalue()


def _resolved(doc: CommentedMap) -> bool:
    is_paper = doc.get("type", "paper") == "paper"
    return bool(doc.get("authors")) and (bool(doc.get("arxiv")) or not is_paper)


def _provenance(doc: CommentedMap) -> CommentedMap:
    if "provenance" not in doc:
        doc["provenance"] = CommentedMap()
    return doc["provenance"]


def _apply(doc: CommentedMap, finding: dict[str, Any], venues: dict[str, str],
           people: _PeopleFile, result: EnrichResult) -> None:
    work = str(doc["id"])
    url = finding.get("evidence_url") or ""
    where = f"found by exact-title search: {url}" if url else "found by exact-title search"
    arxiv = finding.get("arxiv")
    if arxiv:
        current = doc.get("arxiv")
        if current is None:
            _put(doc, "arxiv", arxiv)
            _provenance(doc)["arxiv"] = where
        elif current != arxiv:
            _correct_arxiv(doc, str(current), arxiv, url)
            result.corrected.append((work, f"arXiv {current} -> {arxiv}"))
        _derive_from_arxiv(doc, arxiv)
    authors = [a for a in finding.get("authors") or [] if isinstance(a, str) and a.strip()]
    if authors and not doc.get("authors"):
        if finding.get("authors_complete") is False:
            result.skipped.append((work, "authors: only a truncated list was found"))
        else:
            seq = CommentedSeq(people.id_for(a) for a in authors)
            seq.fa.set_flow_style()
            _put(doc, "authors", seq)
            _provenance(doc)["authors"] = (
                f"found by exact-title search: {finding.get('authors_url') or url}")
    venue_text = finding.get("venue")
    if venue_text and not doc.get("venue"):
        venue = venue_id(str(venue_text), venues)
        if venue:
            _put(doc, "venue", venue)
            _provenance(doc)["venue"] = f"{where} ({venue_text})"
            if not doc.get("venue_note"):
                _put(doc, "venue_note", str(venue_text))
                _provenance(doc)["venue_note"] = where


def _derive_from_arxiv(doc: CommentedMap, arxiv: str) -> None:
    prov = _provenance(doc)
    doi = f"10.48550/arXiv.{arxiv}"
    if not doc.get("doi") or (prov.get("doi") == ARXIV_DOI and doc["doi"] != doi):
        _put(doc, "doi", doi)
        prov["doi"] = ARXIV_DOI
    month = arxiv_month(arxiv)
    if month and (not doc.get("date") or prov.get("date") == ARXIV_DATE):
        _put(doc, "date", f"{month[0]}-{month[1]:02d}")
        prov["date"] = ARXIV_DATE


def _correct_arxiv(doc: CommentedMap, wrong: str, right: str, url: str) -> None:
    """A list linked `wrong`, which is another paper: keep it as written, say why, take `right`."""
    reason = (f"arXiv {wrong} is a different paper; an exact-title search finds this work as "
              f"arXiv {right}" + (f" ({url})" if url else ""))
    corrections = doc.setdefault("corrections", CommentedSeq())
    for listing in doc.get("listings", []):
        gives = listing.get("gives", [])
        for name in ("arxiv", "url", "date", "doi"):
            if name in gives and (name != "url" or wrong in str(doc.get("url", ""))):
                gives.remove(name)
                as_written = str(doc.get(name)) if name != "arxiv" else wrong
                corrections.append(CommentedMap([
                    ("field", name), ("source", listing["source"]), ("line", listing["line"]),
                    ("as_written", as_written), ("reason", reason)]))
                if name in {"date", "doi"}:
                    del doc[name]  # derived again from the right id
    doc["arxiv"] = right
    _provenance(doc)["arxiv"] = f"found by exact-title search: {url}" if url else reason
    if wrong in str(doc.get("url", "")):
        doc["url"] = f"https://arxiv.org/abs/{right}"
        _provenance(doc)["url"] = "the arXiv page of the corrected id"


def _put(doc: CommentedMap, key: str, value: Any) -> None:
    """Insert a field at its place in the usual order rather than at the end."""
    from kg.importer.drafts import FIELD_ORDER

    if key in doc:
        doc[key] = value
        return
    order = FIELD_ORDER.index(key)
    position = sum(1 for k in doc if k in FIELD_ORDER and FIELD_ORDER.index(k) < order)
    doc.insert(position, key, value)
