"""One import: parse a source file, check it, match each entry, write drafts and listings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kg.importer.checks import check_list
from kg.importer.drafts import (
    Draft,
    add_listing,
    draft_fields,
    listing_of,
    new_work_id,
    write_new_work,
    yaml_rt,
)
from kg.importer.encoding import looks_mac_roman_damaged, repair_mac_roman
from kg.importer.entries import Entry, ParsedList, Problem, fold, slugify
from kg.importer.markdown_list import parse_markdown_list
from kg.importer.matching import KnownWork, Match, WorkIndex
from kg.importer.search_dump import parse_search_dump
from kg.loader import Catalog, load_catalog
from kg.records import SourceRecord


class SourceImportError(Exception):
    """The file cannot be imported (unknown source, unreadable file)."""


@dataclass
class ImportResult:
    source: str
    file: str
    parsed: ParsedList
    problems: list[Problem]
    matches: list[Match] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)  # existing works given a new listing
    unchanged: list[str] = field(default_factory=list)
    differs: list[tuple[str, str, int]] = field(default_factory=list)  # work, field, line
    scheme_written: bool = False
    people_added: list[str] = field(default_factory=list)


def parse_source(path: Path) -> ParsedList:
    raw = path.read_bytes().decode("utf-8")
    repaired = looks_mac_roman_damaged(raw)
    text = repair_mac_roman(raw) if repaired else raw
    # A search dump is plain lines of text; a list has headings, link bullets or tables.
    markdown = any(line.lstrip().startswith(("#", "- [", "+ [", "* [", "|"))
                   for line in text.splitlines())
    parsed = (parse_markdown_list(text, path.name) if markdown
              else parse_search_dump(text, path.name))
    parsed.repaired_encoding = repaired
    return parsed


def find_source(catalog: Catalog, path: Path, source_id: str | None) -> SourceRecord:
    if source_id:
        if source_id not in catalog.sources:
            raise SourceImportError(
                f"unknown source {source_id!r}: add it to data/sources.yaml first")
        return catalog.sources[source_id].record
    for located in catalog.sources.values():
        if located.record.file == path.name:
            return located.record
    raise SourceImportError(
        f"no source in data/sources.yaml has the file name {path.name!r}; add one, or name it "
        "with --source")


def all_problems(parsed: ParsedList) -> list[Problem]:
    problems = parsed.problems + check_list(parsed)
    return sorted(problems, key=lambda p: (p.line, p.kind))


def run_import(path: Path, data_dir: Path, source_id: str | None = None,
               dry_run: bool = False) -> ImportResult:
    if not path.is_file():
        raise SourceImportError(f"{path}: no such file")
    catalog = load_catalog(data_dir)
    source = find_source(catalog, path, source_id)
    parsed = parse_source(path)
    problems = all_problems(parsed)
    result = ImportResult(source.id, path.name, parsed, problems)
    if parsed.repaired_encoding:
        problems.insert(0, Problem("damaged-encoding", 1, path.name,
                                   "the text is UTF-8 read as Mac Roman; it was repaired"))

    concepts = _categories(catalog, source, parsed, data_dir, dry_run, result)
    venues = {v.record.id: v.record.id for v in catalog.venues.values()} | {
        v.record.acronym.lower(): v.record.id for v in catalog.venues.values() if v.record.acronym}
    people = _People(catalog, data_dir)
    index = WorkIndex(catalog)
    origin = f"{path.name}"

    # An arXiv id the list links from two different titles is held back for both of them.
    shared = {p.evidence.removeprefix("arXiv ") for p in problems if p.kind == "arxiv-id-shared"}
    for entry in parsed.entries:
        match = index.match(entry)
        if entry.arxiv in shared and not match.distrust_arxiv:
            match.distrust_arxiv = True
            match.reason = (match.reason + "; " if match.reason else "") + (
                f"arXiv {entry.arxiv} is linked from two different titles in this list")
        result.matches.append(match)
        if match.status == "unmatched":
            continue
        categories = [entry.section] if entry.section in concepts else []
        authors = people.ids(entry.authors)
        draft = draft_fields(entry, source.id, problems, match.distrust_arxiv, venues, authors,
                             distrust_reason=match.reason)
        if match.work is not None:
            file = data_dir / "papers" / f"{match.work}.yaml"
            if dry_run:
                continue
            listing = listing_of(entry, source.id, categories, [])
            before = file.read_text(encoding="utf-8")
            differs = add_listing(file, draft, listing)
            result.differs += [(match.work, name, entry.line) for name in differs]
            if file.read_text(encoding="utf-8") == before:
                result.unchanged.append(match.work)
            else:
                result.listed.append(match.work)
                people.commit(draft)
            continue
        work_id, _shared = new_work_id(entry, set(index.works))
        match.work = work_id
        index.add(KnownWork(work_id, entry.title, None if match.distrust_arxiv else entry.arxiv,
                            {fold(entry.method)} if entry.method else set(), set(entry.code)))
        if dry_run:
            continue
        listing = listing_of(entry, source.id, categories, draft.gives)
        write_new_work(data_dir / "papers" / f"{work_id}.yaml", work_id, draft, listing,
                       f"{origin} line {entry.line}")
        people.commit(draft)
        result.created.append(work_id)
    if not dry_run:
        result.people_added = people.save()
    return result


def _categories(catalog: Catalog, source: SourceRecord, parsed: ParsedList, data_dir: Path,
                dry_run: bool, result: ImportResult) -> set[str]:
    """The concept ids entries can be filed under; writes the source's scheme if it has none."""
    if not source.scheme:
        return set()
    if source.scheme in catalog.schemes:
        return {c.id for c in catalog.schemes[source.scheme].record.concepts}
    if not parsed.sections:
        return set()
    if not dry_run:
        _write_scheme(data_dir / "schemes" / f"{source.scheme}.yaml", source, parsed)
        result.scheme_written = True
    return {s.key for s in parsed.sections}


def _write_scheme(path: Path, source: SourceRecord, parsed: ParsedList) -> None:
    doc = CommentedMap()
    doc["id"] = source.scheme
    doc["label"] = f"{source.label} sections"
    doc["source"] = source.id
    concepts = CommentedSeq()
    for section in parsed.sections:
        concept = CommentedMap()
        concept["id"] = section.key
        concept["label"] = section.label
        if section.definition:
            concept["definition"] = section.definition
        if section.parent:
            concept["broader"] = section.parent
        concept["line"] = section.line
        if section.in_comment:
            concept["in_html_comment"] = True
        concepts.append(concept)
    doc["concepts"] = concepts
    doc.yaml_set_start_comment(
        f"Drafted by `vrlkg import` from the headings of {parsed.file}; check it, then delete "
        "this line.")
    with path.open("w", encoding="utf-8") as handle:
        yaml_rt().dump(doc, handle)


class _People:
    """Person ids for author names: the existing person of that name, or a new record."""

    def __init__(self, catalog: Catalog, data_dir: Path) -> None:
        self.path = data_dir / "people.yaml"
        self.by_name = {fold(p.record.name): p.record.id for p in catalog.people.values()}
        self.taken = set(catalog.people)
        self.pending: dict[str, str] = {}  # id -> name, proposed for the current entry
        self.new: dict[str, str] = {}  # id -> name, to be written

    def ids(self, names: list[str]) -> list[str]:
        self.pending = {}
        ids = []
        for name in names:
            known = self.by_name.get(fold(name))
            if known is None:
                known = slugify(name, 8) or "person"
                while known in self.taken and known not in self.new:
                    known += "-2" if not known[-1].isdigit() else ""
                    if known in self.taken:
                        known = f"{known[:-2]}-{int(known[-1]) + 1}"
                self.pending[known] = name
            ids.append(known)
        return ids

    def commit(self, draft: Draft) -> None:
        if "authors" in draft.fields:
            for person_id, name in self.pending.items():
                self.new[person_id] = name
                self.by_name[fold(name)] = person_id
                self.taken.add(person_id)
        self.pending = {}

    def save(self) -> list[str]:
        if not self.new:
            return []
        yaml = yaml_rt()
        doc = yaml.load(self.path.read_text(encoding="utf-8")) if self.path.exists() else None
        doc = doc if doc is not None else CommentedSeq()
        for person_id, name in sorted(self.new.items()):
            record = CommentedMap()
            record["id"] = person_id
            record["name"] = name
            doc.append(record)
        with self.path.open("w", encoding="utf-8") as handle:
            yaml.dump(doc, handle)
        return sorted(self.new)


def entry_label(entry: Entry) -> str:
    return entry.method or entry.title
