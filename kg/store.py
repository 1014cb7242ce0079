"""Filling an Oxigraph store the way the graph is served.

The data lives in named graphs (one per source, one for what we curated, one for the ontology).
The store's default graph holds their merge, materialized at load time: Oxigraph's own
"union default graph" mode returns a triple once per graph that holds it, whereas SPARQL's
default graph is an RDF merge, a set. Queries without GRAPH see each triple once; GRAPH ?g still
tells which graphs say what.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox


def with_merged_default_graph(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The named-graph quads plus each distinct triple once in the default graph."""
    named = [q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)]
    merged = {ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in named}
    return named + sorted(merged, key=str)


def merge_default_graph(store: ox.Store) -> None:
    """Materialize the merge of a store's named graphs as its default graph."""
    store.bulk_extend(with_merged_default_graph(store.quads_for_pattern(None, None, None, None)))


def memory_store(quads: Iterable[ox.Quad]) -> ox.Store:
    store = ox.Store()
    store.bulk_extend(with_merged_default_graph(quads))
    return store


# Written inside each store directory: the same quads as N-Quads. A query worker loads it into an
# in-memory store (2 to 5 times faster to query than RocksDB, and a bulk load is much faster than
# reading the RocksDB store back); RocksDB ignores files it did not write.
SNAPSHOT = "dataset.nq"


def write_store(quads: Iterable[ox.Quad], folder: Path) -> None:
    """Write an on-disk store that the server opens read-only, with its N-Quads snapshot."""
    dataset = with_merged_default_graph(quads)
    store = ox.Store(str(folder))
    store.bulk_extend(dataset)
    ox.serialize(dataset, output=str(folder / SNAPSHOT), format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store
    gc.collect()  # releases the RocksDB lock so the server can open the store read-only
