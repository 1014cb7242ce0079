"""The build on the real data: deterministic, strictly parseable outputs, provenance by named
graph, and atomic replacement of the served graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from kg import build as build_module
from kg import namespaces as ns
from kg.build import DUMPS, ValidationFailed, build, current_build, is_stale
from kg.errors import DataErrors
from kg.iris import KINDS

BASE = "https://w3id.org/vrlkg/"
RDFLIB_FORMATS = {
    "vrlkg.nq": "nquads",
    "vrlkg.trig": "trig",
    "vrlkg.ttl": "turtle",
    "vrlkg.jsonld": "json-ld",
}


def quads_of(path: Path) -> list[ox.Quad]:
    return list(ox.parse(path=str(path), format=DUMPS[path.name]))


def test_nquads_are_byte_identical_from_run_to_run(built, settings, tmp_path):
    again = build(settings.with_(build_dir=tmp_path))
    first = (built.path / "vrlkg.nq").read_bytes()
    assert first == (again.path / "vrlkg.nq").read_bytes()
    lines = first.decode().splitlines()
    assert lines == sorted(lines)


@pytest.mark.parametrize("name", sorted(DUMPS))
def test_every_dump_parses_strictly_with_both_parsers(built, name):
    path = built.path / name
    expected = {str(q) for q in quads_of(built.path / "vrlkg.nq")}
    parsed = quads_of(path)  # pyoxigraph raises on any syntax error
    if DUMPS[name].supports_datasets:
        assert {str(q) for q in parsed} == expected
    else:
        assert len({(q.subject, q.predicate, q.object) for q in parsed}) == len(
            {
                str(ox.Triple(q.subject, q.predicate, q.object))
                for q in quads_of(built.path / "vrlkg.nq")
            }
        )
    dataset = rdflib.Dataset()
    dataset.parse(path, format=RDFLIB_FORMATS[name])
    assert len(dataset) > 0 or sum(len(g) for g in dataset.graphs()) > 0


def test_no_blank_nodes_and_every_data_iri_is_minted(built):
    for quad in quads_of(built.path / "vrlkg.nq"):
        for term in (quad.subject, quad.object, quad.graph_name):
            assert not isinstance(term, ox.BlankNode), quad
            if (
                isinstance(term, ox.NamedNode)
                and term.value.startswith(BASE)
                and not term.value.startswith(ns.ONTOLOGY_IRI)
            ):
                kind, _, slug = term.value[len(BASE) :].partition("/")
                assert kind in KINDS and slug, term


def test_each_source_has_its_own_described_graph(built):
    store = ox.Store.read_only(str(built.path / "store"))
    graphs = {g.value for g in store.named_graphs()}
    for source in ("opendilab-mmrl", "llm-vlm-rl-survey"):
        assert f"{BASE}graph/{source}" in graphs
        assert store.query(
            f"""ASK {{ GRAPH <{BASE}graph/curated> {{
            <{BASE}graph/{source}> a prov:Bundle ;
                prov:wasDerivedFrom <{BASE}source/{source}> }} }}""",
            prefixes=dict(ns.PREFIXES),
        )
    assert f"{BASE}graph/curated" in graphs
    assert ns.ONTOLOGY_IRI in graphs


def test_corrected_values_are_ours_and_the_wrong_value_is_kept_as_written(built):
    store = ox.Store.read_only(str(built.path / "store"))
    simpo = f"{BASE}paper/simpo"
    rows = list(
        store.query(
            f"""SELECT ?g ?url WHERE {{ GRAPH ?g {{ <{simpo}> schema:url ?url }} }}""",
            prefixes=dict(ns.PREFIXES),
        )
    )
    assert [(r["g"].value, r["url"].value) for r in rows] == [
        (f"{BASE}graph/curated", "https://arxiv.org/abs/2405.14734")
    ]
    assert store.query(
        f"""ASK {{ ?fix vrlkg:correctionOf <{simpo}> ;
        vrlkg:valueAsWritten "https://arxiv.org/abs/2305.18290" ; vrlkg:reason ?why }}""",
        prefixes=dict(ns.PREFIXES),
        use_default_graph_as_union=True,
    )
    # What the list gave and we kept stays in the list's own graph.
    assert store.query(
        f"""ASK {{ GRAPH <{BASE}graph/opendilab-mmrl> {{
        <{simpo}> dcterms:title ?t ; dcterms:creator ?a }} }}""",
        prefixes=dict(ns.PREFIXES),
    )


def test_values_we_added_say_how_they_were_found(built):
    store = ox.Store.read_only(str(built.path / "store"))
    rows = list(
        store.query(
            """SELECT ?how WHERE { GRAPH ?g {
        ?note vrlkg:noteOn ?paper ; vrlkg:aboutProperty fabio:hasArXivId ;
              vrlkg:howFound ?how } }""",
            prefixes=dict(ns.PREFIXES),
            default_graph=None,
        )
    )
    assert rows and all(r["how"].value for r in rows)


# The swap, failure and interruption behaviour does not depend on the data: the small valid
# fixture shows it in a fraction of the time a build of the real data takes.
FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data" / "valid"


def copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    return data


def test_a_failed_or_interrupted_build_leaves_the_previous_graph_served(
    settings, tmp_path, monkeypatch
):
    data = copy_data(tmp_path)
    local = settings.with_(build_dir=tmp_path / "build", data_dir=data)
    build(local)
    served = current_build(local)
    served_nq = (local.build_dir / "vrlkg.nq").read_bytes()
    assert not is_stale(local)

    # Invalid data: nothing is written, the old build is still current.
    paper = data / "papers" / "demo-paper.yaml"
    paper.write_text(paper.read_text().replace("authors: [", "authors: [nobody-at-all, ", 1))
    assert is_stale(local)
    with pytest.raises(DataErrors):
        build(local)
    assert current_build(local) == served

    # Interrupted while loading the store: no partial build becomes current.
    shutil.rmtree(data)
    shutil.copytree(FIXTURE_DATA, data)

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "write_store", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(local)
    assert current_build(local) == served
    assert (local.build_dir / "vrlkg.nq").read_bytes() == served_nq
    assert list((local.build_dir / "builds").glob(".partial-*"))

    # The next good build replaces it and clears the debris.
    monkeypatch.undo()
    result = build(local)
    assert current_build(local) == result.path != served
    assert not list((local.build_dir / "builds").glob(".partial-*"))


def test_shacl_violations_fail_the_build_and_keep_the_previous_graph(settings, tmp_path):
    local = settings.with_(build_dir=tmp_path / "build", data_dir=copy_data(tmp_path))
    build(local)
    served = current_build(local)
    shapes = tmp_path / "shapes"
    shutil.copytree(settings.shapes_dir, shapes)
    # A shape every paper violates: more than 1000 titles are required.
    (shapes / "zz-impossible.ttl").write_text("""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix vrlkg: <https://w3id.org/vrlkg/ontology#> .
<https://example.org/shapes#Impossible> a sh:NodeShape ; sh:targetClass vrlkg:Paper ;
    sh:property [ sh:path dcterms:title ; sh:minCount 1000 ] .
""")
    with pytest.raises(ValidationFailed) as failure:
        build(local.with_(shapes_dir=shapes))
    assert failure.value.report.violations
    assert current_build(local) == served
    assert (local.build_dir / "validation-failed.txt").read_text().startswith("Conforms: no")


def test_default_graph_is_the_merge_of_the_named_graphs_a_set(built):
    """Reflexion is typed in two source graphs; the default graph holds the triple once."""
    store = ox.Store.read_only(str(built.path / "store"))
    reflexion = f"<{BASE}paper/reflexion>"
    in_default = list(
        store.query(f"SELECT * WHERE {{ {reflexion} a vrlkg:Paper }}", prefixes=dict(ns.PREFIXES))
    )
    per_graph = list(
        store.query(
            f"SELECT ?g WHERE {{ GRAPH ?g {{ {reflexion} a vrlkg:Paper }} }}",
            prefixes=dict(ns.PREFIXES),
        )
    )
    assert len(in_default) == 1
    assert len(per_graph) == 2
    named = {
        str(ox.Triple(q.subject, q.predicate, q.object))
        for q in store.quads_for_pattern(None, None, None, None)
        if not isinstance(q.graph_name, ox.DefaultGraph)
    }
    default = {
        str(ox.Triple(q.subject, q.predicate, q.object))
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    }
    assert named == default
