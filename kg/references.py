"""Cross-record checks: every id a record names exists; every paper field has a provenance."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kg.errors import DataError, DataErrors
from kg.loader import Catalog, Located

# Our own vocabularies that paper fields point into (data/schemes/<id>.yaml).
MODEL_ROLES = "model-roles"
RL_COMPONENTS = "rl-components"
METRICS = "metrics"

# Where each kind of record is defined, for messages that name both ends of a reference.
HOME = {
    "papers": "data/papers/<id>.yaml",
    "people": "data/people.yaml",
    "methods": "data/methods.yaml",
    "models": "data/models.yaml",
    "testbeds": "data/environments.yaml",
    "domains": "data/domains.yaml",
    "venues": "data/venues.yaml",
    "sources": "data/sources.yaml",
    "schemes": "data/schemes/<id>.yaml",
}
SINGULAR = {
    "papers": "paper",
    "people": "person",
    "methods": "method",
    "models": "model",
    "testbeds": "environment, benchmark or dataset",
    "domains": "domain",
    "venues": "venue",
    "sources": "source",
    "schemes": "concept scheme",
}


def _concepts(catalog: Catalog, scheme: str) -> set[str]:
    located = catalog.schemes.get(scheme)
    return {c.id for c in located.record.concepts} if located else set()


class _Checker:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.errors: list[DataError] = []

    def ref(self, owner: Located[Any], kind: str, value: str | None, *path: str | int) -> None:
        if value is None:
            return
        if value not in getattr(self.catalog, kind):
            self.errors.append(
                owner.error(
                    f"unknown {SINGULAR[kind]} {value!r}: no record with that id in {HOME[kind]}",
                    *path,
                )
            )

    def refs(self, owner: Located[Any], kind: str, values: Iterable[str], field: str) -> None:
        for index, value in enumerate(values):
            self.ref(owner, kind, value, field, index)

    def concept(self, owner: Located[Any], scheme: str, value: str, *path: str | int) -> None:
        if scheme not in self.catalog.schemes:
            self.errors.append(
                owner.error(
                    f"concept {value!r} needs the concept scheme {scheme!r}, which is not defined "
                    f"(data/schemes/{scheme}.yaml)",
                    *path,
                )
            )
        elif value not in _concepts(self.catalog, scheme):
            where = self.catalog.schemes[scheme].file
            self.errors.append(
                owner.error(
                    f"unknown concept {value!r}: scheme {scheme!r} ({where}) has no such concept",
                    *path,
                )
            )

    def qualified_concept(self, owner: Located[Any], value: str, *path: str | int) -> None:
        scheme, concept = value.split("/", 1)
        self.concept(owner, scheme, concept, *path)


def check_references(catalog: Catalog) -> None:
    """Raise DataErrors for every reference to an id that does not exist, and every paper value
    whose origin is not recorded."""
    c = _Checker(catalog)

    for located in catalog.papers.values():
        p = located.record
        c.refs(located, "people", p.authors, "authors")
        c.ref(located, "venues", p.venue, "venue")
        c.refs(located, "domains", p.domains, "domains")
        c.refs(located, "methods", p.introduces, "introduces")
        c.refs(located, "methods", [link.id for link in p.uses_methods], "uses_methods")
        c.refs(located, "testbeds", [link.id for link in p.evaluated_on], "evaluated_on")
        for i, use in enumerate(p.models):
            c.ref(located, "models", use.model, "models", i, "model")
            c.concept(located, MODEL_ROLES, use.role, "models", i, "role")
        for i, value in enumerate(p.rl_components):
            c.concept(located, RL_COMPONENTS, value, "rl_components", i)
        for i, value in enumerate(p.metrics):
            c.concept(located, METRICS, value, "metrics", i)
        listed_sources = set()
        for i, listing in enumerate(p.listings):
            c.ref(located, "sources", listing.source, "listings", i, "source")
            listed_sources.add(listing.source)
            source = catalog.sources.get(listing.source)
            scheme = source.record.scheme if source else None
            for j, category in enumerate(listing.categories):
                if scheme is None:
                    c.errors.append(
                        located.error(
                            f"source {listing.source!r} has no category scheme, so category "
                            f"{category!r} cannot be resolved",
                            "listings",
                            i,
                            "categories",
                            j,
                        )
                    )
                else:
                    c.concept(located, scheme, category, "listings", i, "categories", j)
            for j, given in enumerate(listing.gives):
                if not _has_value(p, given):
                    c.errors.append(
                        located.error(
                            f"the listing says the source gives {given!r}, "
                            f"but the paper has no {given}",
                            "listings",
                            i,
                            "gives",
                            j,
                        )
                    )
        corrected = set()
        for i, correction in enumerate(p.corrections):
            c.ref(located, "sources", correction.source, "corrections", i, "source")
            if correction.source not in listed_sources:
                c.errors.append(
                    located.error(
                        f"correction of a value from {correction.source!r}, but the paper has no "
                        f"listing in that source",
                        "corrections",
                        i,
                        "source",
                    )
                )
            corrected.add(correction.field)
        given = {f for listing in p.listings for f in listing.gives}
        for name in _fields_with_values(p):
            if name in LINK_FIELDS and all(item.derived for item in getattr(p, name)):
                continue  # every item says how it was found
            if name not in given and name not in p.provenance and name not in corrected:
                c.errors.append(
                    located.error(
                        "no listing gives this value and `provenance` does not say where it came "
                        "from",
                        name,
                    )
                )
        if not p.listings and "title" not in p.provenance:
            c.errors.append(
                located.error(
                    "a work needs at least one listing, or a provenance entry for its title", "id"
                )
            )

    for located in catalog.methods.values():
        c.refs(located, "methods", located.record.builds_on, "builds_on")
    for located in catalog.models.values():
        c.refs(located, "models", located.record.builds_on, "builds_on")
    for located in catalog.testbeds.values():
        c.ref(located, "testbeds", located.record.part_of, "part_of")
        c.refs(located, "domains", located.record.domains, "domains")
    for located in catalog.domains.values():
        c.ref(located, "domains", located.record.broader, "broader")
    for located in catalog.sources.values():
        c.ref(located, "schemes", located.record.scheme, "scheme")
        c.ref(located, "papers", located.record.survey, "survey")
    for located in catalog.schemes.values():
        scheme = located.record
        c.ref(located, "sources", scheme.source, "source")
        ids = {concept.id for concept in scheme.concepts}
        for i, concept in enumerate(scheme.concepts):
            if concept.broader is not None and concept.broader not in ids:
                c.errors.append(
                    located.error(
                        f"unknown broader concept {concept.broader!r}: not in this scheme",
                        "concepts",
                        i,
                        "broader",
                    )
                )
            for relation in ("close_match", "broad_match", "narrow_match"):
                for j, target in enumerate(getattr(concept, relation)):
                    c.qualified_concept(located, target, "concepts", i, relation, j)
        seen: dict[str, int] = {}
        for i, concept in enumerate(scheme.concepts):
            if concept.id in seen:
                c.errors.append(
                    located.error(
                        f"duplicate concept id {concept.id!r} (first at line "
                        f"{located.line('concepts', seen[concept.id])})",
                        "concepts",
                        i,
                        "id",
                    )
                )
            seen.setdefault(concept.id, i)

    _check_cycles(catalog, c)
    if c.errors:
        raise DataErrors(c.errors)


def _has_value(record: Any, name: str) -> bool:
    value = getattr(record, name)
    return value not in (None, [], {}, "")


# Fields whose items may each say how they were found (`derived`).
LINK_FIELDS = {"evaluated_on", "uses_methods", "models"}

# Fields that need no provenance: the id and the record's own bookkeeping.
_UNTRACKED = {"id", "listings", "provenance", "corrections"}


def _fields_with_values(record: Any) -> list[str]:
    names = []
    for name in type(record).model_fields:
        if name in _UNTRACKED or not _has_value(record, name):
            continue
        if name == "type" and record.type == "paper":
            continue  # the default kind of work needs no evidence
        names.append(name)
    return names


def _check_cycles(catalog: Catalog, c: _Checker) -> None:
    """`part_of`, `broader` and `builds_on` must not loop back on themselves; each cycle is
    reported once, at its first member in id order."""
    edges: list[tuple[dict[str, Located[Any]], str]] = [
        (catalog.testbeds, "part_of"),
        (catalog.domains, "broader"),
        (catalog.methods, "builds_on"),
        (catalog.models, "builds_on"),
    ]
    for table, attr in edges:

        def parents(
            node: str, table: dict[str, Located[Any]] = table, attr: str = attr
        ) -> list[str]:
            value = getattr(table[node].record, attr) if node in table else None
            return [] if value is None else ([value] if isinstance(value, str) else list(value))

        reported: set[frozenset[str]] = set()
        for start in sorted(table):
            # Depth-first search for a path from start back to start.
            stack: list[tuple[str, list[str]]] = [(p, [start, p]) for p in parents(start)]
            seen: set[str] = set()
            while stack:
                node, path = stack.pop()
                if node == start:
                    members = frozenset(path)
                    if members not in reported:
                        reported.add(members)
                        c.errors.append(
                            table[start].error(f"{attr} forms a cycle: {' -> '.join(path)}", attr)
                        )
                    break
                if node in seen:
                    continue
                seen.add(node)
                stack.extend((p, [*path, p]) for p in parents(node))
