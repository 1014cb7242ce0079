"""Every RDF file we ship parses strictly, with pyoxigraph and with rdflib."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg.settings import REPO_ROOT

FORMATS = {
    ".ttl": (ox.RdfFormat.TURTLE, "turtle"),
    ".trig": (ox.RdfFormat.TRIG, "trig"),
    ".nt": (ox.RdfFormat.N_TRIPLES, "nt"),
    ".nq": (ox.RdfFormat.N_QUADS, "nquads"),
}
SKIP = {".venv", "build", "releases", ".git", "node_modules"}


def shipped_rdf_files() -> list[Path]:
    return sorted(
        p
        for p in REPO_ROOT.rglob("*")
        if p.suffix in FORMATS and p.is_file() and not SKIP & set(p.relative_to(REPO_ROOT).parts)
    )


FILES = shipped_rdf_files()


def test_the_files_are_found():
    names = {p.relative_to(REPO_ROOT).as_posix() for p in FILES}
    assert {"ontology/vrlkg.ttl", "queries/manifest.ttl"} <= names
    assert any(n.startswith("shapes/") for n in names)


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(REPO_ROOT).as_posix() for p in FILES])
def test_parses_strictly(path: Path):
    ox_format, rdflib_format = FORMATS[path.suffix]
    # The base IRI lets manifests use relative IRIs such as <#entry> and <query.rq>.
    quads = list(ox.parse(path=str(path), format=ox_format, base_iri=path.as_uri()))
    dataset = rdflib.Dataset()
    dataset.parse(path, format=rdflib_format, publicID=path.as_uri())
    assert quads or path.stat().st_size < 200, "an RDF file with no statements"
