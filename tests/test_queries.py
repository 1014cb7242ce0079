"""Every query of queries/manifest.ttl, run over HTTP against the real server, gives its golden
result."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import rdflib

from kg.settings import REPO_ROOT

QUERIES = REPO_ROOT / "queries"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")


def manifest_entries() -> list[tuple[str, Path, Path, str]]:
    graph = rdflib.Graph().parse(
        QUERIES / "manifest.ttl", format="turtle", publicID=(QUERIES / "manifest.ttl").as_uri()
    )
    manifest = next(graph.subjects(rdflib.RDF.type, MF.Manifest))
    entries = []
    for entry in rdflib.collection.Collection(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        query = Path(str(graph.value(action, QT.query)).removeprefix("file://"))
        result = Path(str(graph.value(entry, MF.result)).removeprefix("file://"))
        comment = str(graph.value(entry, rdflib.RDFS.comment))
        entries.append((str(graph.value(entry, MF.name)), query, result, comment))
    return entries


ENTRIES = manifest_entries()


def test_manifest_lists_every_query_file():
    assert {q.name for _, q, _, _ in ENTRIES} == {p.name for p in QUERIES.glob("*.rq")}


def test_every_query_is_headed_by_its_question():
    for _name, query, _result, comment in ENTRIES:
        first = query.read_text().splitlines()[0]
        assert first.startswith("# ") and first[2:].strip() == comment


def rows(results: dict) -> list[dict[str, tuple]]:
    return [
        {var: tuple(sorted(term.items())) for var, term in binding.items()}
        for binding in results["results"]["bindings"]
    ]


@pytest.mark.parametrize(
    "name,query,result", [(n, q, r) for n, q, r, _ in ENTRIES], ids=[n for n, *_ in ENTRIES]
)
def test_query_gives_its_golden_result(graph_server, name, query, result):
    text = query.read_text()
    response = httpx.post(
        f"{graph_server}/sparql",
        data={"query": text},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    got, expected = response.json(), json.loads(result.read_text())
    assert got["head"]["vars"] == expected["head"]["vars"]
    if "ORDER BY" in text:
        assert rows(got) == rows(expected)
    else:
        assert sorted(map(str, rows(got))) == sorted(map(str, rows(expected)))
    assert rows(expected), f"{name}: a golden result with no rows tests nothing"
