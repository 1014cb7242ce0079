"""`vrlkg link`: link works to the environments, benchmarks, datasets, methods and models their
titles and abstracts name, each link with the sentence it was found in; and give the links a list
states (an ExpEnv line) the line as evidence.

A name that belongs to two records (an acronym, a method name reused) is never linked by the
first match: it is reported, for a person to resolve.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kg.importer.drafts import yaml_rt
from kg.importer.entries import Entry
from kg.importer.run import parse_source
from kg.loader import Catalog, load_catalog

MIN_NAME = 3  # shorter names ("R1", "VQ") match too much to be linked automatically
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")
UNSPECIFIED_ROLE = "unspecified"


@dataclass(frozen=True)
class Name:
    text: str
    kind: str  # "testbed", "method" or "model"
    id: str
    pattern: re.Pattern[str]


@dataclass
class LinkResult:
    added: list[tuple[str, str, str, str]] = field(default_factory=list)  # work, field, id, how
    ambiguous: list[tuple[str, str, list[str], str]] = field(default_factory=list)
    listed_evidence: list[tuple[str, str]] = field(default_factory=list)  # work, testbed


# What may follow a model's name and still be that model: a size or a variant
# ("Qwen2.5-VL-7B-Instruct").
MODEL_SUFFIX = r"(?:-(?:\d+(?:\.\d+)?[BbMm]|Instruct|Chat|Base|base|Preview|preview))*"
# Words a hyphen may join to a name without making it another name ("CLEVR-based").
JOINED = r"(?:-(?:based|style|like|specific|only))?"


def _key(name: str) -> str:
    """Names that are one name: the same letters, case and symbols ('+') kept apart."""
    return " ".join(name.lower().split())


def _pattern(text: str, kind: str = "") -> re.Pattern[str]:
    escaped = re.escape(text).replace(r"\ ", r"[\s-]+")
    # Acronyms and one-word names with capitals inside (GRPO, DrQ-v2, Qwen2.5-VL) must match their
    # case; names of several words (DeepMind Control Suite) match in any case.
    one_word = " " not in text.strip()
    sensitive = len(text) <= 6 or (one_word and any(c.isupper() for c in text[1:]))
    flags = 0 if sensitive else re.IGNORECASE
    suffix = MODEL_SUFFIX if kind == "model" else ""
    return re.compile(rf"(?<![\w-]){escaped}{suffix}{JOINED}(?![\w+-]|\.\d)", flags)


def name_index(catalog: Catalog) -> tuple[list[Name], dict[str, set[tuple[str, str]]]]:
    """Every label and alternative label, and the names that belong to several records."""
    owners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    spelled: dict[str, str] = {}
    for kind, table in (("testbed", catalog.testbeds), ("method", catalog.methods),
                        ("model", catalog.models)):
        for record_id, located in table.items():
            record = located.record
            if not record.link_by_name:  # type: ignore[attr-defined]
                continue
            names = [record.label, *record.alt_labels]
            if kind == "method" and record.name:  # type: ignore[attr-defined]
                names.append(record.name)  # type: ignore[attr-defined]
            for name in names:
                if len(name) >= MIN_NAME:
                    owners[_key(name)].add((kind, record_id))
                    spelled.setdefault(_key(name), name)
    names, ambiguous = [], {}
    for key, who in owners.items():
        if len(who) > 1:
            ambiguous[spelled[key]] = who
            continue
        kind, record_id = next(iter(who))
        names.append(Name(spelled[key], kind, record_id, _pattern(spelled[key], kind)))
    # Longer names first, so "DeepMind Control Suite" wins over a shorter name inside it.
    names.sort(key=lambda n: -len(n.text))
    return names, ambiguous


def find_mentions(text: str, names: list[Name]) -> list[tuple[Name, str]]:
    """(name, sentence) for each record named in the text, once per record."""
    found: dict[tuple[str, str], tuple[Name, str]] = {}
    for sentence in SENTENCE.split(text):
        taken: list[tuple[int, int]] = []
        for name in names:
            for match in name.pattern.finditer(sentence):
                span = match.span()
                if any(s <= span[0] and span[1] <= e for s, e in taken):
                    continue  # inside a longer name already found
                taken.append(span)
                found.setdefault((name.kind, name.id), (name, sentence.strip()))
    return list(found.values())


def _ambiguous_mentions(text: str, ambiguous: dict[str, set[tuple[str, str]]]) -> list[str]:
    return [name for name in ambiguous if _pattern(name).search(text)]


def link_works(data_dir: Path, seeds_dir: Path | None = None, dry_run: bool = False) -> LinkResult:
    catalog = load_catalog(data_dir)
    names, ambiguous = name_index(catalog)
    result = LinkResult()
    yaml = yaml_rt()
    sources = {source_id: located.record for source_id, located in catalog.sources.items()}
    parsed_sources: dict[str, dict[int, Entry]] = {}
    for work_id, located in sorted(catalog.papers.items()):
        paper = located.record
        doc = _LazyDoc(data_dir / "papers" / f"{work_id}.yaml", yaml)
        introduced = set(paper.introduces)
        have = {
            "evaluated_on": {link.id for link in paper.evaluated_on},
            "uses_methods": {link.id for link in paper.uses_methods} | introduced,
            "models": {use.model for use in paper.models},
        }
        texts = [("title", paper.title)]
        if paper.abstract:
            texts.append(("abstract", paper.abstract))
        for derived, text in texts:
            for name, sentence in find_mentions(text, names):
                target = {"testbed": "evaluated_on", "method": "uses_methods",
                          "model": "models"}[name.kind]
                if name.id in have[target]:
                    continue
                have[target].add(name.id)
                result.added.append((work_id, target, name.id, derived))
                if dry_run:
                    continue
                item = CommentedMap()
                if target == "models":
                    item["model"], item["role"] = name.id, UNSPECIFIED_ROLE
                else:
                    item["id"] = name.id
                item["evidence"] = sentence
                item["derived"] = derived
                _append(doc.get(), target, item)
            for name in _ambiguous_mentions(text, ambiguous):
                who = sorted(f"{kind} {rid}" for kind, rid in ambiguous[name])
                result.ambiguous.append((work_id, name, who, derived))
        # The links a list states: their evidence is the list's own line.
        if seeds_dir is not None:
            for listing in paper.listings:
                if "evaluated_on" not in listing.gives or listing.source not in sources:
                    continue
                entries = _entries(parsed_sources, seeds_dir, sources[listing.source].file)
                entry = entries.get(listing.line)
                if entry is None or not entry.environments:
                    continue
                evidence = "ExpEnv: " + ", ".join(n for n, _ in entry.environments)
                for link in paper.evaluated_on:
                    if link.evidence is None and link.derived is None:
                        result.listed_evidence.append((work_id, link.id))
                        if not dry_run:
                            _set_evidence(doc.get(), link.id, evidence)
        if not dry_run:
            doc.save()
    return result


class _LazyDoc:
    """A paper's YAML, read (round-trip) only if something is to be written to it."""

    def __init__(self, path: Path, yaml: YAML) -> None:
        self.path, self.yaml, self.doc = path, yaml, None

    def get(self) -> CommentedMap:
        if self.doc is None:
            self.doc = self.yaml.load(self.path.read_text(encoding="utf-8"))
        return self.doc

    def save(self) -> None:
        if self.doc is not None:
            with self.path.open("w", encoding="utf-8") as handle:
                self.yaml.dump(self.doc, handle)


def _entries(cache: dict[str, dict[int, Entry]], seeds_dir: Path, file: str) -> dict[int, Entry]:
    if file not in cache:
        path = seeds_dir / file
        cache[file] = {e.line: e for e in parse_source(path).entries} if path.exists() else {}
    return cache[file]


def _append(doc: CommentedMap, key: str, item: CommentedMap) -> None:
    from kg.importer.enrich import _put

    if key not in doc or doc[key] is None:
        _put(doc, key, CommentedSeq())
    seq = doc[key]
    if getattr(seq.fa, "_flow_style", False):
        seq.fa.set_block_style()
    seq.append(item)


def _set_evidence(doc: CommentedMap, testbed: str, evidence: str) -> None:
    seq = doc.get("evaluated_on") or []
    for index, item in enumerate(seq):
        if item == testbed:
            replacement = CommentedMap([("id", testbed), ("evidence", evidence),
                                        ("derived", "listed")])
            seq.fa.set_block_style()
            seq[index] = replacement
