"""`vrlkg report`: the quality report. Every defect found in the source lists (with the list,
the line and the evidence), the values we corrected, coverage figures, and the works that
several lists share; as Markdown and as RDF."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import namespaces as ns
from kg.importer.entries import Problem
from kg.importer.run import parse_source, run_import
from kg.iris import mint
from kg.loader import Catalog, load_catalog
from kg.references import check_references
from kg.settings import Settings

# What each kind of defect means, for readers of the report.
KINDS: dict[str, str] = {
    "arxiv-id-shared": "one arXiv id linked from two different titles",
    "wrong-paper-link": "a link that points at a different paper",
    "malformed-url": "a malformed link",
    "duplicate-in-list": "the same work listed twice in one list",
    "date-contradicts-arxiv-id": "a date that contradicts the arXiv id",
    "date-contradicts-link": "a date that contradicts the dated link",
    "link-copied-from-another-entry": "a code or website link copied from another entry",
    "acronym-shared": "one short name used by different works",
    "scraping-debris": "scraping debris in a title, an abstract or between entries",
    "versioned-arxiv-link": "an arXiv link to one version instead of the work",
    "damaged-encoding": "a damaged text encoding",
    "conflicting-arxiv-links": "two different arXiv ids in one entry",
    "missing-abstract": "a title without an abstract",
    "missing-title": "an abstract without a title",
    "unidentified-entry": "an entry that cites a paper without naming it",
}


@dataclass
class Defect:
    source: str
    file: str
    line: int
    kind: str
    evidence: str
    message: str


@dataclass
class Report:
    defects: list[Defect] = field(default_factory=list)
    corrections: list[tuple[str, str, str, int | None, str, str]] = field(default_factory=list)
    coverage: list[tuple[str, int, int]] = field(default_factory=list)  # what, have, of
    shared: list[tuple[str, str, list[str]]] = field(default_factory=list)  # id, title, sources
    per_source: list[tuple[str, int]] = field(default_factory=list)
    missing_sources: list[str] = field(default_factory=list)


def gather(settings: Settings, seeds_dir: Path) -> Report:
    catalog = load_catalog(settings.data_dir)
    check_references(catalog)
    report = Report()
    for located in catalog.sources.values():
        source = located.record
        path = seeds_dir / source.file
        if not path.exists():
            report.missing_sources.append(f"{source.id} ({path})")
            continue
        result = run_import(path, settings.data_dir, source.id, dry_run=True)
        problems: list[Problem] = list(result.problems)
        for match in result.matches:
            if match.status == "conflict":
                problems.append(Problem("wrong-paper-link", match.entry.line,
                                        match.entry.arxiv or match.entry.url or "", match.reason))
            elif match.status == "unmatched":
                problems.append(Problem("unidentified-entry", match.entry.line,
                                        match.entry.title_as_written, match.reason))
        seen = set()
        for p in sorted(problems, key=lambda p: (p.line, p.kind, p.evidence)):
            key = (p.line, p.kind, p.evidence)
            if key not in seen:
                seen.add(key)
                report.defects.append(Defect(source.id, source.file, p.line, p.kind,
                                             p.evidence, p.message))
        report.per_source.append((source.id, len(parse_source(path).entries)))
    for work_id, located in sorted(catalog.papers.items()):
        for c in located.record.corrections:
            report.corrections.append((work_id, c.field, c.source, c.line, c.as_written,
                                       c.reason))
    report.coverage = coverage(catalog)
    for work_id, located in sorted(catalog.papers.items()):
        sources = sorted({listing.source for listing in located.record.listings})
        if len(sources) > 1:
            report.shared.append((work_id, located.record.title, sources))
    return report


def coverage(catalog: Catalog) -> list[tuple[str, int, int]]:
    works = [w.record for w in catalog.papers.values()]
    papers = [w for w in works if w.type == "paper"]
    return [
        ("works", len(works), len(works)),
        ("papers with an arXiv id", sum(bool(p.arxiv) for p in papers), len(papers)),
        ("papers with a DOI", sum(bool(p.doi) for p in papers), len(papers)),
        ("papers with authors", sum(bool(p.authors) for p in papers), len(papers)),
        ("works with a date", sum(bool(w.date) for w in works), len(works)),
        ("works with an environment, benchmark or dataset", sum(bool(w.evaluated_on)
                                                                for w in works), len(works)),
        ("works with a category", sum(any(lst.categories for lst in w.listings)
                                      for w in works), len(works)),
        ("works with code", sum(bool(w.code) for w in works), len(works)),
        ("works with a venue", sum(bool(w.venue) for w in works), len(works)),
    ]


def _pct(have: int, of: int) -> str:
    return f"{100 * have / of:.1f}%" if of else "n/a"


def markdown(report: Report) -> str:
    out = ["# VRL-KG quality report", ""]
    out += ["## Coverage", "", "| what | have | of | share |", "|---|---:|---:|---:|"]
    out += [f"| {what} | {have} | {of} | {_pct(have, of)} |" for what, have, of in report.coverage]
    out += ["", "## Defects found in the source lists", ""]
    if report.missing_sources:
        out += ["Not checked (file not found): " + ", ".join(report.missing_sources), ""]
    counts = Counter((d.source, d.kind) for d in report.defects)
    out += ["| list | kind of defect | count |", "|---|---|---:|"]
    out += [f"| {s} | {KINDS.get(k, k)} | {n} |" for (s, k), n in sorted(counts.items())]
    out += ["", "| list | line | kind | evidence | what is wrong |", "|---|---:|---|---|---|"]
    for d in report.defects:
        out.append(f"| {d.file} | {d.line} | {d.kind} | {_cell(d.evidence)} | {_cell(d.message)} |")
    out += ["", "## Values we corrected", "",
            "| work | field | list | line | as written | why |", "|---|---|---|---:|---|---|"]
    for work, fld, source, line, as_written, reason in report.corrections:
        out.append(f"| {work} | {fld} | {source} | {line or ''} | {_cell(as_written)} | "
                   f"{_cell(reason)} |")
    out += ["", "## Works listed in more than one source", "",
            "| work | title | sources |", "|---|---|---|"]
    out += [f"| {w} | {_cell(t)} | {', '.join(s)} |" for w, t, s in report.shared]
    out += ["", "## Entries per source", "", "| source | entries |", "|---|---:|"]
    out += [f"| {s} | {n} |" for s, n in report.per_source]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")[:300]


def rdf(report: Report, base: str) -> list[ox.Triple]:
    def V(local: str) -> ox.NamedNode:
        return ox.NamedNode(ns.VRLKG + local)

    def lit(value: str | int, datatype: str | None = None) -> ox.Literal:
        if datatype:
            return ox.Literal(str(value), datatype=ox.NamedNode(ns.XSD + datatype))
        return ox.Literal(str(value))

    rdf_type, label = ox.NamedNode(ns.RDF + "type"), ox.NamedNode(ns.RDFS + "label")
    node = ox.NamedNode(mint(base, "report", "quality"))
    triples = [ox.Triple(node, rdf_type, V("QualityReport")),
               ox.Triple(node, label, lit("VRL-KG quality report"))]
    for index, d in enumerate(report.defects, start=1):
        defect = ox.NamedNode(mint(base, "defect", d.source, index))
        triples += [
            ox.Triple(node, V("reportsDefect"), defect),
            ox.Triple(defect, rdf_type, V("SourceDefect")),
            ox.Triple(defect, label, lit(f"{d.kind} at {d.file} line {d.line}")),
            ox.Triple(defect, V("defectKind"), lit(d.kind)),
            ox.Triple(defect, V("inSource"), ox.NamedNode(mint(base, "source", d.source))),
            ox.Triple(defect, V("sourceLine"), lit(d.line, "positiveInteger")),
            ox.Triple(defect, V("evidence"), lit(d.evidence)),
            ox.Triple(defect, ox.NamedNode(ns.RDFS + "comment"), lit(d.message)),
        ]
    for what, have, of in report.coverage:
        figure = ox.NamedNode(mint(base, "report", "quality", slug(what)))
        triples += [
            ox.Triple(node, V("coverageFigure"), figure),
            ox.Triple(figure, rdf_type, V("CoverageFigure")),
            ox.Triple(figure, label, lit(what)),
            ox.Triple(figure, V("count"), lit(have, "nonNegativeInteger")),
            ox.Triple(figure, V("outOf"), lit(of, "nonNegativeInteger")),
        ]
    return sorted(triples, key=str)


def slug(text: str) -> str:
    from kg.importer.entries import slugify

    return slugify(text, 12)


def write_report(settings: Settings, seeds_dir: Path) -> tuple[Path, Path, Report]:
    report = gather(settings, seeds_dir)
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    md = settings.build_dir / "quality.md"
    ttl = settings.build_dir / "quality.ttl"
    md.write_text(markdown(report), encoding="utf-8")
    ox.serialize(rdf(report, settings.base_iri), output=str(ttl), format=ox.RdfFormat.TURTLE,
                 prefixes=dict(ns.PREFIXES))
    return md, ttl, report
