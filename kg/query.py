"""Running a SPARQL query against a store and printing its results (the `vrlkg query` command)."""

from __future__ import annotations

import pyoxigraph as ox

from kg import namespaces as ns

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

RESULT_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
}


class QueryFailed(Exception):
    """The query could not be parsed or evaluated; the message says where and why."""


def run_query(store: ox.Store, query: str, *, prefixes: bool = True) -> Result:
    """Evaluate over the default graph (the merge of the named graphs). The standard prefixes
    are predeclared without shifting the line numbers of parser messages."""
    try:
        return store.query(
            query, prefixes=dict(ns.PREFIXES) if prefixes else None
        )
    except SyntaxError as exc:
        raise QueryFailed(f"syntax {exc}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryFailed(str(exc)) from None


def _cell(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        for prefix, namespace in ns.PREFIXES.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return f"<{iri}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _table(solutions: ox.QuerySolutions) -> str:
    names = [v.value for v in solutions.variables]
    rows = [[_cell(row[name]) for name in names] for row in solutions]
    widths = [max([len(name), *(len(r[i]) for r in rows)]) for i, name in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(names), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def format_results(result: Result, fmt: str) -> str:
    """SELECT and ASK results as table, CSV, TSV or SPARQL JSON; graphs as Turtle."""
    if isinstance(result, ox.QueryTriples):
        data = result.serialize(format=ox.RdfFormat.TURTLE)
        return data.decode() if data else ""
    if fmt == "table":
        if isinstance(result, ox.QueryBoolean):
            return f"{'true' if bool(result) else 'false'}\n"
        return _table(result)
    data = result.serialize(format=RESULT_FORMATS[fmt])
    return data.decode() if data else ""


def local_rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    """Run a SELECT on a local store and return its rows as strings."""
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = term.value
        rows.append(row)
    return rows
