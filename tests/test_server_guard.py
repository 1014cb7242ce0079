"""The SERVICE guard's analysis itself (the HTTP behaviour is in test_server_service.py)."""

from __future__ import annotations

import pytest

from server.guard import PLAIN, QueryShape, is_update_attempt, service_refusal, shape_of

BASE = "http://127.0.0.1:8000/sparql"


def test_plain_queries_take_the_fast_path() -> None:
    assert shape_of("SELECT * WHERE { ?s ?p ?o }", BASE) is PLAIN
    assert shape_of("ASK { ?s <http://example.org/p> 'x' }", BASE) is PLAIN


@pytest.mark.parametrize(
    ("query", "targets"),
    [
        ("SELECT * { SERVICE <http://a/> { ?s ?p ?o } }", ("http://a/",)),
        ("SELECT * { SERVICE ?svc { ?s ?p ?o } }", ("?svc",)),
        ("SELECT * { \\u0053ERVICE <http://a/> { ?s ?p ?o } }", ("http://a/",)),
        ("SELECT * { SERVICE <rel> { ?s ?p ?o } }", ("http://127.0.0.1:8000/rel",)),
        (
            "PREFIX e: <http://e/> SELECT * { ?a ?b ?c FILTER EXISTS { SERVICE e:x { ?s ?p ?o } } "
            "OPTIONAL { SERVICE SILENT <http://b/> { ?s ?p ?o } } }",
            ("http://e/x", "http://b/"),
        ),
    ],
)
def test_service_targets_are_found(query: str, targets: tuple[str, ...]) -> None:
    assert set(shape_of(query, BASE).services) == set(targets)


def test_service_only_in_a_literal_or_name_is_not_a_call() -> None:
    shape = shape_of("SELECT ?service WHERE { ?service ?p 'service' }", BASE)
    assert shape.services == () and shape.unchecked is None
    assert service_refusal(shape, ()) is None


def test_unparsable_query_that_mentions_service_is_refused() -> None:
    shape = shape_of("SELECT * { SERVICE <http://a/> { ?s ?p } }", BASE)
    assert shape.unchecked
    refusal = service_refusal(shape, ("http://a/",))
    assert refusal and "could not be checked" in refusal


def test_refusal_messages() -> None:
    refusal = service_refusal(QueryShape(services=("http://a/",)), ())
    assert refusal and "<http://a/>" in refusal and "VRLKG_SERVICE_ALLOWLIST" in refusal
    assert "empty" in refusal
    assert service_refusal(QueryShape(services=("http://a/",)), ("http://a/",)) is None
    refusal = service_refusal(QueryShape(services=("?x",)), ("http://a/",))
    assert refusal and "variable" in refusal


def test_update_attempts() -> None:
    assert is_update_attempt(["update"], "")
    assert is_update_attempt(["using-named-graph-uri"], "application/sparql-query")
    assert is_update_attempt([], "application/sparql-update")
    assert is_update_attempt(["graph"], "text/turtle")
    assert not is_update_attempt(["query", "default-graph-uri"], "application/sparql-query")
