"""The W3C SPARQL 1.1 Protocol tests (sparql11-protocol/manifest.ttl), one case per test.

Each mf:ProtocolTest is read from the manifest: its HTTP requests, their expected status class,
result format and boolean, and the data it loads (ut:graphData: file and graph IRI). Every
distinct data set becomes its own on-disk store, served by its own server; the files are loaded
as named graphs named by their labels, and the protocol's default-graph-uri / named-graph-uri
select among them (without those, our default graph is the union of the named graphs).

Deviations, all forced by the endpoint being read-only:
- The update tests (update_dataset_default_graph, update_dataset_default_graphs,
  update_dataset_named_graphs, update_dataset_full, update_post_form, update_post_direct,
  update_base_uri) expect the update to succeed (2xx). We assert a 4xx whose body says the
  endpoint is read-only; a follow-up ASK that the manifest expects to be true (it checks the
  update's effect) must then be false: the refused update changed nothing.
- The bad_update_* tests expect a 4xx, which we give (as read-only refusals or protocol errors).
Every query test runs unchanged and must pass.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from tests.conftest_server import PROTOCOL_DIR, ServerProcess, build_store, require_w3c

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
SRX = "{http://www.w3.org/2005/sparql-results#}"

UPDATE_PARAMS = {"update", "using-graph-uri", "using-named-graph-uri"}


@dataclass(frozen=True)
class W3CRequest:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    status_classes: frozenset[int]
    expected_format: str | None
    expected_boolean: bool | None

    @property
    def content_type(self) -> str:
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value.split(";")[0].strip().lower()
        return ""

    @property
    def is_update(self) -> bool:
        names = {k for k, _ in parse_qsl(urlsplit(self.path).query, keep_blank_values=True)}
        if self.content_type == "application/x-www-form-urlencoded" and self.body:
            names |= {k for k, _ in parse_qsl(self.body.decode(), keep_blank_values=True)}
        return self.content_type == "application/sparql-update" or bool(names & UPDATE_PARAMS)


@dataclass(frozen=True)
class W3CTest:
    name: str
    label: str
    graphs: tuple[tuple[str, Path], ...]
    requests: tuple[W3CRequest, ...]


def _request(g: rdflib.Graph, node: rdflib.term.Node) -> W3CRequest:
    headers: list[tuple[str, str]] = []
    header_list = g.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(g, header_list):
            name, value = g.value(header, HT.fieldName), g.value(header, HT.fieldValue)
            headers.append((str(name), str(value)))
    body = None
    body_node = g.value(node, HT.body)
    if body_node is not None:
        encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(body_node, CNT.chars)).encode(encoding)
    response = g.value(node, HT.resp)
    classes = frozenset(int(str(s)[-3]) for s in g.objects(response, MF.expectedStatus))
    fmt = g.value(response, MF.expectedFormat)
    boolean = g.value(response, MF.expectedBoolean)
    return W3CRequest(
        method=str(g.value(node, HT.methodName)),
        # "A program using this manifest must replace /sparql/ with the endpoint's path".
        path="/sparql" + str(g.value(node, HT.absolutePath)).removeprefix("/sparql/"),
        headers=tuple(headers),
        body=body,
        status_classes=classes,
        expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=boolean.toPython() if boolean is not None else None,
    )


def load_manifest() -> list[W3CTest]:
    require_w3c()
    g = rdflib.Graph()
    g.parse(PROTOCOL_DIR / "manifest.ttl", format="turtle")
    manifest = g.value(None, RDF.type, MF.Manifest)
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        if (entry, RDF.type, MF.ProtocolTest) not in g:
            continue
        graphs = []
        for data in g.objects(entry, UT.graphData):
            file = Path(urlsplit(str(g.value(data, UT.graph))).path)
            graphs.append((str(g.value(data, RDFS.label)), file))
        action = g.value(entry, MF.action)
        requests = tuple(_request(g, r) for r in Collection(g, g.value(action, HT.requests)))
        tests.append(
            W3CTest(
                name=str(entry).rsplit("#", 1)[-1],
                label=str(g.value(entry, MF.name)),
                graphs=tuple(sorted(graphs)),
                requests=requests,
            )
        )
    return tests


TESTS = load_manifest() if (PROTOCOL_DIR / "manifest.ttl").is_file() else []


def test_manifest_is_complete() -> None:
    """Guards against a manifest that silently yields no (or fewer) cases."""
    require_w3c()
    assert len(TESTS) == 34
    assert len({t.name for t in TESTS}) == 34


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """One server per distinct data set of the manifest, started on first use."""
    running: dict[tuple, ServerProcess] = {}

    def server_for(test: W3CTest) -> ServerProcess:
        if test.graphs not in running:
            path = tmp_path_factory.mktemp("w3c-protocol") / "store"
            build_store(path, dict(test.graphs))
            running[test.graphs] = ServerProcess(store=path)
        return running[test.graphs]

    yield server_for
    for server in running.values():
        server.stop()


def _boolean(response) -> bool:
    media = response.headers["content-type"].split(";")[0].strip()
    if media == "application/sparql-results+json":
        data = json.loads(response.content)
        assert "boolean" in data, data
        return data["boolean"]
    if media == "application/sparql-results+xml":
        root = ET.fromstring(response.content)
        node = root.find(f"{SRX}boolean")
        assert node is not None, response.text
        return node.text == "true"
    raise AssertionError(f"not a boolean result format: {media}")


def _check_tabular(response) -> None:
    media = response.headers["content-type"].split(";")[0].strip()
    if media == "application/sparql-results+json":
        data = json.loads(response.content)
        assert "vars" in data["head"] and "bindings" in data["results"], data
    elif media == "application/sparql-results+xml":
        root = ET.fromstring(response.content)
        assert root.find(f"{SRX}results") is not None, response.text
    elif media in ("text/csv", "text/tab-separated-values"):
        delimiter = "," if media == "text/csv" else "\t"
        rows = list(csv.reader(io.StringIO(response.text), delimiter=delimiter))
        assert rows and rows[0], response.text
    else:
        raise AssertionError(f"not a tabular result format: {media}")


def _check_rdf(response) -> None:
    media = response.headers["content-type"].split(";")[0].strip()
    formats = {
        "text/turtle": "turtle",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
        "application/ld+json": "json-ld",
    }
    assert media in formats, f"not an RDF format: {media}"
    rdflib.Graph().parse(data=response.content, format=formats[media])


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(test: W3CTest, servers) -> None:
    server = servers(test)
    refused_update = False
    for number, request in enumerate(test.requests, 1):
        response = server.client.request(
            request.method, request.path, headers=dict(request.headers), content=request.body
        )
        where = f"{test.name} request {number}: {response.status_code} {response.text[:300]!r}"
        expects_success = request.status_classes & {2, 3}
        if request.is_update and expects_success:
            # A read-only endpoint: the update must be refused, and say why.
            assert 400 <= response.status_code < 500, where
            assert "read-only" in response.text, where
            refused_update = True
            continue
        assert response.status_code // 100 in request.status_classes, where
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("text/plain"), where
            continue
        if request.expected_format == "boolean":
            got = _boolean(response)
            if request.expected_boolean is not None:
                # After a refused update, the ASK that checks its effect must be false.
                expected = request.expected_boolean and not refused_update
                assert got is expected, where
        elif request.expected_format == "tabular":
            _check_tabular(response)
        elif request.expected_format == "RDF":
            _check_rdf(response)
