"""Content negotiation: every format parses, q-values and wildcards pick the right one, 406."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import rdflib
from rdflib.compare import isomorphic

from server import negotiation
from tests.conftest_server import FOAF_DOCUMENT, ServerProcess, w3c_graph_iri, w3c_store

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")

SRX = "{http://www.w3.org/2005/sparql-results#}"
SELECT = f"SELECT ?s ?label WHERE {{ ?s a <{FOAF_DOCUMENT}> BIND(STR(?s) AS ?label) }} ORDER BY ?s"
ASK = f"ASK {{ <{w3c_graph_iri(1)}> a <{FOAF_DOCUMENT}> }}"
CONSTRUCT = f"CONSTRUCT {{ ?s a <{FOAF_DOCUMENT}> }} WHERE {{ ?s a <{FOAF_DOCUMENT}> }}"
DESCRIBE = f"DESCRIBE <{w3c_graph_iri(2)}>"
SUBJECTS = [w3c_graph_iri(n) for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with ServerProcess(store=w3c_store(tmp_path_factory.mktemp("negotiation") / "store")) as s:
        yield s


def ask(server: ServerProcess, query: str, accept: str | None = None, **params: str):
    headers = {"Accept": accept} if accept is not None else {}
    return server.client.get("/sparql", params={"query": query, **params}, headers=headers)


def media(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


# ---- SELECT and ASK ----------------------------------------------------------------------------


def parse_select(response) -> list[str]:
    """The ?s column of a SELECT result, whatever its format."""
    kind = media(response)
    if kind == "application/sparql-results+json":
        data = json.loads(response.content)
        assert data["head"]["vars"] == ["s", "label"]
        return [b["s"]["value"] for b in data["results"]["bindings"]]
    if kind == "application/sparql-results+xml":
        root = ET.fromstring(response.content)
        return [r.find(f"{SRX}binding[@name='s']/{SRX}uri").text for r in root.iter(f"{SRX}result")]
    if kind == "text/csv":
        table = list(csv.reader(io.StringIO(response.text)))
        assert table[0] == ["s", "label"]
        return [row[0] for row in table[1:]]
    if kind == "text/tab-separated-values":
        table = [line.split("\t") for line in response.text.splitlines()]
        assert table[0] == ["?s", "?label"]
        return [row[0].strip("<>") for row in table[1:]]
    raise AssertionError(kind)


def parse_ask(response) -> bool:
    kind = media(response)
    if kind == "application/sparql-results+json":
        return json.loads(response.content)["boolean"]
    if kind == "application/sparql-results+xml":
        return ET.fromstring(response.content).find(f"{SRX}boolean").text == "true"
    return response.text.strip() == "true"  # CSV and TSV


RESULT_TYPES = [f.media_type for f in negotiation.RESULT_FORMATS]


@pytest.mark.parametrize("accept", RESULT_TYPES)
def test_select_in_each_format(server: ServerProcess, accept: str) -> None:
    response = ask(server, SELECT, accept)
    assert response.status_code == 200, response.text
    assert media(response) == accept
    assert parse_select(response) == SUBJECTS


@pytest.mark.parametrize("accept", RESULT_TYPES)
def test_ask_in_each_format(server: ServerProcess, accept: str) -> None:
    response = ask(server, ASK, accept)
    assert response.status_code == 200, response.text
    assert media(response) == accept
    assert parse_ask(response) is True


def test_select_defaults_to_json(server: ServerProcess) -> None:
    for accept in (None, "*/*", ""):
        response = ask(server, SELECT, accept)
        assert media(response) == "application/sparql-results+json"


# ---- CONSTRUCT and DESCRIBE --------------------------------------------------------------------

RDFLIB_FORMAT = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
GRAPH_TYPES = [f.media_type for f in negotiation.GRAPH_FORMATS]


def expected_graph(subjects: list[str]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for s in subjects:
        graph.add((rdflib.URIRef(s), rdflib.RDF.type, rdflib.URIRef(FOAF_DOCUMENT)))
    return graph


@pytest.mark.parametrize("accept", GRAPH_TYPES)
@pytest.mark.parametrize("query", ["construct", "describe"])
def test_graph_results_in_each_format(server: ServerProcess, accept: str, query: str) -> None:
    text, subjects = (CONSTRUCT, SUBJECTS) if query == "construct" else (DESCRIBE, SUBJECTS[1:2])
    response = ask(server, text, accept)
    assert response.status_code == 200, response.text
    assert media(response) == accept
    graph = rdflib.Graph().parse(data=response.content, format=RDFLIB_FORMAT[accept])
    assert isomorphic(graph, expected_graph(subjects))


def test_construct_defaults_to_turtle(server: ServerProcess) -> None:
    assert media(ask(server, CONSTRUCT)) == "text/turtle"


# ---- choosing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "select_type", "construct_type"),
    [
        (
            "text/csv;q=0.5, application/sparql-results+xml;q=0.9",
            "application/sparql-results+xml",
            None,
        ),
        ("text/*", "text/csv", "text/turtle"),
        ("application/json", "application/sparql-results+json", "application/ld+json"),
        ("application/xml", "application/sparql-results+xml", "application/rdf+xml"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/sparql-results+xml",
            "application/rdf+xml",
        ),
        (
            "application/sparql-results+json;q=0.2, text/tab-separated-values, */*;q=0.1",
            "text/tab-separated-values",
            "text/turtle",
        ),
        (
            "application/n-triples, */*;q=0.5",
            "application/sparql-results+json",
            "application/n-triples",
        ),
        ("Application/RDF+XML; charset=utf-8", None, "application/rdf+xml"),
    ],
)
def test_accept_choice(server, accept: str, select_type, construct_type) -> None:
    for query, expected in ((SELECT, select_type), (CONSTRUCT, construct_type)):
        response = ask(server, query, accept)
        if expected is None:
            assert response.status_code == 406, response.text
        else:
            assert response.status_code == 200, response.text
            assert media(response) == expected


@pytest.mark.parametrize(
    ("fmt", "select_type", "construct_type"),
    [
        ("json", "application/sparql-results+json", "application/ld+json"),
        ("xml", "application/sparql-results+xml", "application/rdf+xml"),
        ("csv", "text/csv", None),
        ("tsv", "text/tab-separated-values", None),
        ("turtle", None, "text/turtle"),
        ("nt", None, "application/n-triples"),
        ("text/csv", "text/csv", None),
    ],
)
def test_format_parameter_overrides_accept(server, fmt: str, select_type, construct_type) -> None:
    for query, expected in ((SELECT, select_type), (CONSTRUCT, construct_type)):
        response = ask(server, query, "application/sparql-results+json", format=fmt)
        if expected is None:
            assert response.status_code == 406, response.text
        else:
            assert response.status_code == 200, response.text
            assert media(response) == expected


def test_406_lists_what_is_offered(server: ServerProcess) -> None:
    response = ask(server, SELECT, "image/png")
    assert response.status_code == 406
    assert response.headers["content-type"].startswith("text/plain")
    for fmt in negotiation.RESULT_FORMATS:
        assert fmt.media_type in response.text
    response = ask(server, CONSTRUCT, "text/csv")
    assert response.status_code == 406
    assert "text/turtle" in response.text and "application/rdf+xml" in response.text


def test_service_description_formats(server: ServerProcess) -> None:
    for accept in GRAPH_TYPES:
        response = server.client.get("/sparql", headers={"Accept": accept})
        assert response.status_code == 200
        assert media(response) == accept
        graph = rdflib.Graph().parse(data=response.content, format=RDFLIB_FORMAT[accept])
        assert len(graph) > 10
    assert server.client.get("/sparql", headers={"Accept": "text/csv"}).status_code == 406


# ---- the negotiation functions themselves ------------------------------------------------------


def test_parse_accept() -> None:
    assert negotiation.parse_accept(None) == [("*/*", 1.0)]
    assert negotiation.parse_accept("text/csv;q=0.3, */*;q=bogus, text") == [
        ("text/csv", 0.3),
        ("*/*", 1.0),
        ("text/*", 1.0),
    ]


def test_choose_prefers_the_explicit_type_on_equal_q() -> None:
    chosen = negotiation.choose(negotiation.RESULT_FORMATS, "*/*, text/csv")
    assert chosen is not None and chosen.key == "csv"


def test_choose_respects_q_zero() -> None:
    chosen = negotiation.choose(
        negotiation.RESULT_FORMATS, "*/*, application/sparql-results+json;q=0, application/json;q=0"
    )
    assert chosen is not None and chosen.key == "xml"


def test_wildcards_do_not_reach_aliases() -> None:
    chosen = negotiation.choose(
        negotiation.RESULT_FORMATS, "application/sparql-results+json;q=0, */*;q=0.5"
    )
    assert chosen is not None and chosen.key == "xml"
