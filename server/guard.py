"""What a read-only endpoint must refuse: updates (by HTTP shape) and SERVICE calls (by parsing).

pyoxigraph executes `SERVICE <iri>` with its own HTTP client and has no switch to turn that off,
so every query that could contain SERVICE is parsed with rdflib's SPARQL parser and its algebra is
searched for service patterns, wherever they are (OPTIONAL, UNION, MINUS, FILTER EXISTS,
subqueries, SERVICE SILENT). This runs inside the query workers, so a query that makes the parser
slow is stopped by the time limit like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

ALLOWLIST_SETTING = "VRLKG_SERVICE_ALLOWLIST"

# Parameters and content types that can only mean a write.
UPDATE_PARAMS = frozenset({"update", "using-graph-uri", "using-named-graph-uri"})
UPDATE_CONTENT_TYPES = frozenset({"application/sparql-update"})
# Graph Store Protocol uploads: RDF documents POSTed to the endpoint.
RDF_CONTENT_TYPES = frozenset(
    {
        "text/turtle",
        "application/x-turtle",
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/rdf+xml",
        "application/ld+json",
        "text/n3",
    }
)

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def is_update_attempt(params: Iterable[str], content_type: str) -> bool:
    """True if the request is shaped like a SPARQL Update or a Graph Store Protocol write."""
    return (
        any(p in UPDATE_PARAMS for p in params)
        or content_type in UPDATE_CONTENT_TYPES
        or content_type in RDF_CONTENT_TYPES
    )


@dataclass(frozen=True)
class QueryShape:
    # SERVICE targets: IRIs, or "?name" for a variable.
    services: tuple[str, ...] = ()
    # Set when the query could contain SERVICE but rdflib could not parse it.
    unchecked: str | None = None


PLAIN = QueryShape()


def _expand_escapes(text: str) -> str:
    """SPARQL's \\uXXXX and \\UXXXXXXXX escapes apply before parsing, even inside keywords."""

    def codepoint(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group(0)

    return _ESCAPE.sub(codepoint, text)


def shape_of(query: str, base_iri: str | None) -> QueryShape:
    """Fast path without parsing for the usual query that does not mention SERVICE."""
    text = _expand_escapes(query) if ("\\u" in query or "\\U" in query) else query
    if "service" not in text.lower():
        return PLAIN
    return _analyse(query, base_iri)


@lru_cache(maxsize=2048)
def _analyse(query: str, base_iri: str | None) -> QueryShape:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(query)
    except Exception as error:  # pyparsing raises several kinds
        return QueryShape(unchecked=_one_line(error))
    if not _find_services(parsed):
        return PLAIN
    try:
        algebra = translateQuery(parsed, base=base_iri)
    except Exception as error:
        return QueryShape(unchecked=_one_line(error))
    targets = []
    for node in _find_services(algebra.algebra):
        term = node.get("term")
        name = type(term).__name__
        targets.append(f"?{term}" if name == "Variable" else str(term))
    if not targets:  # found in the parse tree but not in the algebra: do not guess
        return QueryShape(unchecked="SERVICE pattern not resolved")
    return QueryShape(services=tuple(targets))


def _find_services(root: object) -> list:
    """Every ServiceGraphPattern node anywhere below `root` (parse tree or algebra)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    found: list = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                found.append(node)
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple | set | frozenset) or (
            hasattr(node, "asList") and not isinstance(node, str)  # pyparsing ParseResults
        ):
            stack.extend(node)
    return found


def service_refusal(shape: QueryShape, allowlist: tuple[str, ...]) -> str | None:
    """The reason to refuse the query, or None if every SERVICE target is allowed."""
    listed = ", ".join(f"<{iri}>" for iri in allowlist) if allowlist else "empty"
    setting = f"the {ALLOWLIST_SETTING} setting (currently {listed})"
    if shape.unchecked is not None:
        return (
            "The query mentions SERVICE but could not be checked for SERVICE calls "
            f"({shape.unchecked}), so it is refused. SERVICE calls are only allowed to the "
            f"endpoints listed in {setting}."
        )
    for target in shape.services:
        if target.startswith("?"):
            return (
                f"SERVICE with a variable endpoint ({target}) is not allowed: this endpoint only "
                f"calls endpoints listed in {setting}."
            )
        if target not in allowlist:
            return (
                f"SERVICE to <{target}> is not allowed: this endpoint only calls endpoints listed "
                f"in {setting}."
            )
    return None


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] or type(error).__name__
