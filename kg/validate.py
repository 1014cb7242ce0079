"""Validation of the built graph: SHACL shapes (pySHACL) and SPARQL quality checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as shacl_validate

from kg import namespaces as ns
from kg.store import memory_store

SH = rdflib.Namespace(ns.SH)


@dataclass(frozen=True)
class Finding:
    """One problem: a SHACL result or a row of a quality check."""

    severity: str  # "Violation", "Warning" or "Info"
    check: str  # the shape or the check file that found it
    focus: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"[{self.severity}] {self.check}: <{self.focus}>{where}: {self.message}"


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    report_graph: rdflib.Graph = field(default_factory=rdflib.Graph)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        lines = [
            f"Conforms: {'yes' if self.conforms else 'no'}",
            f"Violations: {len(self.violations)}",
            f"Warnings: {len(self.warnings)}",
            "",
        ]
        lines += [
            str(f) for f in sorted(self.findings, key=lambda f: (f.severity != "Violation", str(f)))
        ]
        return "\n".join(lines) + "\n"


def load_rdflib(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """The union of all named graphs as one rdflib graph (SHACL validates the union)."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=data, format="nt")
    return graph


def load_shapes(shapes_dir: Path) -> rdflib.Graph:
    shapes = rdflib.Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return shapes


def run_shacl(data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph) -> ValidationReport:
    # advanced=False: the shapes use SHACL Core only; the rules that compare several statements
    # are SPARQL checks run by Oxigraph (checks/), which is much faster than pySHACL's SPARQL.
    _conforms, report_graph, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=False,
        allow_warnings=True,
        meta_shacl=False,
    )
    assert isinstance(report_graph, rdflib.Graph)
    return _report(report_graph)


def _report(report_graph: rdflib.Graph) -> ValidationReport:
    findings = []
    for result in report_graph.subjects(rdflib.RDF.type, SH.ValidationResult):
        severity = str(report_graph.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        shape = report_graph.value(result, SH.sourceShape)
        path = report_graph.value(result, SH.resultPath)
        message = report_graph.value(result, SH.resultMessage)
        findings.append(
            Finding(
                severity=severity,
                check=_short(shape),
                focus=str(report_graph.value(result, SH.focusNode)),
                path=_short(path) if path is not None else "",
                message=str(message) if message is not None else "",
            )
        )
    return ValidationReport(findings, report_graph)


def _short(term: rdflib.term.Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.BNode):
        return "(anonymous shape)"
    text = str(term)
    for prefix, namespace in ns.PREFIXES.items():
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return text


_HEADER = re.compile(r"^#\s?(.*)$")


def check_description(query: str) -> str:
    """The comment lines a check file starts with: what it looks for."""
    lines = []
    for line in query.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            break
        lines.append(match.group(1))
    return " ".join(lines).strip()


def run_checks(store: ox.Store, checks_dir: Path) -> list[Finding]:
    """Every `*.rq` in checks_dir must return no rows; each row becomes a violation.

    A check reports `?focus` (the offending node) and may add `?message`.
    """
    findings = []
    for path in sorted(checks_dir.glob("*.rq")):
        query = path.read_text(encoding="utf-8")
        description = check_description(query) or path.stem
        solutions = store.query(query, prefixes=dict(ns.PREFIXES))
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            focus = row["focus"] if "focus" in [v.value for v in solutions.variables] else None
            message_term = (
                row["message"] if "message" in [v.value for v in solutions.variables] else None
            )
            findings.append(
                Finding(
                    severity="Violation",
                    check=f"checks/{path.name}",
                    focus=focus.value if focus is not None else "",
                    path="",
                    message=message_term.value if message_term is not None else description,
                )
            )
    return findings


def ontology_quads(path: Path) -> list[ox.Quad]:
    """The ontology, in the named graph of its own IRI."""
    graph = ox.NamedNode(ns.ONTOLOGY_IRI)
    return [ox.Quad(q.subject, q.predicate, q.object, graph)
            for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]


def validate(quads: list[ox.Quad], shapes_dir: Path, ontology_path: Path) -> ValidationReport:
    """SHACL over the union of the graphs, then the SPARQL checks over the same data."""
    data = load_rdflib(quads)
    ontology = rdflib.Graph().parse(ontology_path, format="turtle")
    report = run_shacl(data, load_shapes(shapes_dir), ontology)
    store = memory_store([*quads, *ontology_quads(ontology_path)])
    report.findings.extend(run_checks(store, shapes_dir / "checks"))
    return report
