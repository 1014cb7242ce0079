"""The SHACL shapes (shapes/*.ttl) and the SPARQL quality checks (shapes/checks/*.rq).

Every node shape has a folder tests/shapes/<ShapeLocalName>/ with `conforms.ttl` (no result from
the shape) and `violates-<what>.ttl` files (at least one result from the shape). A violating
fixture names, in `# expect:` lines, the shapes or SPARQL constraints that must report it; no other
shape may report anything on it, so each fixture tests the one rule it is about.

Every check has a folder tests/shapes/checks/<check-name>/ with `passes.ttl|trig` (no row from any
check) and `fails*.ttl|trig` (rows from that check only; `# expect-focus:` lines name nodes that
must be among the rows' ?focus). Turtle fixtures are loaded into the curated named graph, TriG ones
as written; the ontology goes into its own graph, as kg.validate.validate does.
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg import namespaces as ns
from kg.store import memory_store
from kg.validate import load_shapes, ontology_quads, run_checks, run_shacl

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
CHECKS_DIR = SHAPES_DIR / "checks"
FIXTURES = Path(__file__).resolve().parent / "shapes"
CHECK_FIXTURES = FIXTURES / "checks"
ONTOLOGY_PATH = ROOT / "ontology" / "vrlkg.ttl"

SH = rdflib.Namespace(ns.SH)
VRLKG = rdflib.Namespace(ns.VRLKG)
FOAF = rdflib.Namespace(ns.FOAF)
PROV = rdflib.Namespace(ns.PROV)
VRLKGSH = rdflib.Namespace("https://w3id.org/vrlkg/shapes#")
CURATED_GRAPH = "https://w3id.org/vrlkg/graph/curated"

# Classes of the ontology that nothing is typed with directly: their shapes reach the subclasses.
ABSTRACT_CLASSES = {VRLKG.Work, VRLKG.Testbed}
# Classes of other vocabularies that the converter types nodes with.
REUSED_CLASSES = {
    FOAF.Organization,
    SKOS.Concept,
    SKOS.ConceptScheme,
    PROV.Bundle,
    rdflib.URIRef("https://schema.org/SoftwareSourceCode"),
}


# -- loading ---------------------------------------------------------------------------------------


@cache
def shapes() -> rdflib.Graph:
    return load_shapes(SHAPES_DIR)


@cache
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_PATH, format="turtle")


def node_shapes() -> list[rdflib.URIRef]:
    graph = shapes()
    return sorted(s for s in graph.subjects(RDF.type, SH.NodeShape) if isinstance(s, rdflib.URIRef))


def local_name(shape: rdflib.URIRef) -> str:
    return str(shape).removeprefix(str(VRLKGSH))


def check_names() -> list[str]:
    return sorted(path.stem for path in CHECKS_DIR.glob("*.rq"))


def fixture_format(path: Path) -> tuple[str, ox.RdfFormat]:
    return (
        ("trig", ox.RdfFormat.TRIG) if path.suffix == ".trig" else ("turtle", ox.RdfFormat.TURTLE)
    )


def header_values(path: Path, key: str) -> list[str]:
    """The values of `# key: a b c` lines at the top of a fixture."""
    values = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.match(rf"#\s*{re.escape(key)}:\s*(.*)$", line)
        if match:
            values += match.group(1).split()
    return values


def expand(curie: str) -> rdflib.URIRef:
    prefix, _, local = curie.partition(":")
    assert prefix == "vrlkgsh", f"use vrlkgsh: names in `# expect:` lines, not {curie!r}"
    return VRLKGSH[local]


# -- SHACL -----------------------------------------------------------------------------------------


@cache
def shacl_results(path: Path) -> tuple[tuple[rdflib.term.Node, ...], ...]:
    """(source shape, source constraint, severity, focus, message) of every result on a fixture."""
    data = rdflib.Graph().parse(path, format="turtle")
    report = run_shacl(data, shapes(), ontology()).report_graph
    rows = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        rows.append(
            (
                report.value(result, SH.sourceShape),
                report.value(result, SH.sourceConstraint),
                report.value(result, SH.resultSeverity),
                report.value(result, SH.focusNode),
                report.value(result, SH.resultMessage),
            )
        )
    return tuple(rows)


def family(shape: rdflib.URIRef) -> set[rdflib.term.Node]:
    """A node shape, its property shapes and its SPARQL constraints."""
    graph = shapes()
    return {shape, *graph.objects(shape, SH.property), *graph.objects(shape, SH.sparql)}


def from_family(rows, shape: rdflib.URIRef) -> list[tuple[rdflib.term.Node, ...]]:
    members = family(shape)
    return [row for row in rows if row[0] in members or row[1] in members]


def describe(rows) -> str:
    return (
        "\n".join(f"  {row[0]} ({row[1]}) {row[2]} on {row[3]}: {row[4]}" for row in rows)
        or "  none"
    )


SHAPE_CASES = [
    pytest.param(shape, path, id=f"{local_name(shape)}/{path.name}")
    for shape in node_shapes()
    for path in sorted((FIXTURES / local_name(shape)).glob("*.ttl"))
]


@pytest.mark.parametrize("shape", node_shapes(), ids=local_name)
def test_every_shape_has_a_conforming_and_a_violating_fixture(shape):
    folder = FIXTURES / local_name(shape)
    assert (folder / "conforms.ttl").is_file(), f"missing {folder / 'conforms.ttl'}"
    assert list(folder.glob("violates-*.ttl")), f"missing {folder}/violates-<what>.ttl"


def test_every_fixture_folder_belongs_to_a_shape():
    names = {local_name(s) for s in node_shapes()} | {"checks"}
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert folders <= names, f"fixture folders without a shape: {sorted(folders - names)}"
    for folder in FIXTURES.iterdir():
        if folder.is_dir() and folder.name != "checks":
            for path in folder.iterdir():
                assert path.name == "conforms.ttl" or re.fullmatch(
                    r"violates-[a-z0-9-]+\.ttl", path.name
                ), path


@pytest.mark.parametrize(
    ("shape", "path"), [c for c in SHAPE_CASES if c.values[1].name == "conforms.ttl"]
)
def test_conforming_fixture(shape, path):
    rows = shacl_results(path)
    assert not from_family(rows, shape), (
        f"{local_name(shape)} reports:\n{describe(from_family(rows, shape))}"
    )
    # The fixture is realistic data: no other shape finds anything in it either.
    assert not rows, f"other shapes report:\n{describe(rows)}"


@pytest.mark.parametrize(
    ("shape", "path"), [c for c in SHAPE_CASES if c.values[1].name != "conforms.ttl"]
)
def test_violating_fixture(shape, path):
    rows = shacl_results(path)
    mine = from_family(rows, shape)
    assert mine, (
        f"{local_name(shape)} reports nothing on {path.name}; all results:\n{describe(rows)}"
    )
    assert all(row[2] in (SH.Violation, SH.Warning) for row in mine)
    expected = {expand(curie) for curie in header_values(path, "expect")}
    assert expected, f"{path} needs an `# expect: vrlkgsh:...` line"
    reported = {row[0] for row in rows} | {row[1] for row in rows}
    assert expected <= reported, (
        f"expected {sorted(expected - reported)} to report; got:\n{describe(rows)}"
    )
    unexpected = [row for row in rows if row[0] not in expected and row[1] not in expected]
    assert not unexpected, (
        f"results from shapes the fixture does not expect:\n{describe(unexpected)}"
    )


def test_a_warning_is_reported_as_a_warning():
    rows = shacl_results(FIXTURES / "PaperShape" / "violates-no-authors.ttl")
    assert [row[2] for row in from_family(rows, VRLKGSH.PaperShape)] == [SH.Warning]


# -- the shapes themselves -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", node_shapes(), ids=local_name)
def test_shape_is_documented(shape):
    graph = shapes()
    assert str(shape).startswith(str(VRLKGSH))
    assert graph.value(shape, RDFS.label) is not None, f"{shape} needs an rdfs:label"
    assert graph.value(shape, RDFS.comment) is not None, f"{shape} needs an rdfs:comment"
    for prop in graph.objects(shape, SH.property):
        assert isinstance(prop, rdflib.URIRef) and str(prop).startswith(str(VRLKGSH)), prop
        assert graph.value(prop, SH.name) is not None, f"{prop} needs an sh:name"
        assert graph.value(prop, SH.message) is not None, f"{prop} needs an sh:message"
    for constraint in graph.objects(shape, SH.sparql):
        assert isinstance(constraint, rdflib.URIRef), constraint
        assert graph.value(constraint, SH.message) is not None, f"{constraint} needs an sh:message"


def emitted_classes() -> set[rdflib.URIRef]:
    """Every non-abstract owl:Class of our namespace, and the reused classes the converter emits."""
    ours = {
        c
        for c in ontology().subjects(RDF.type, OWL.Class)
        if isinstance(c, rdflib.URIRef) and str(c).startswith(ns.VRLKG)
    }
    return (ours - ABSTRACT_CLASSES) | REUSED_CLASSES


@pytest.mark.parametrize("cls", sorted(emitted_classes() | ABSTRACT_CLASSES), ids=str)
def test_every_class_has_a_shape(cls):
    targets = set(shapes().subject_objects(SH.targetClass))
    assert any(target == cls for _shape, target in targets), (
        f"no node shape has sh:targetClass {cls}"
    )


def test_the_converter_classes_are_in_the_list():
    from kg.convert import TESTBED_CLASS, WORK_CLASS

    for local in [*WORK_CLASS.values(), *TESTBED_CLASS.values()]:
        assert VRLKG[local] in emitted_classes()


def sh_in(node: rdflib.term.Node) -> set[rdflib.term.Node]:
    graph = shapes()
    return set(rdflib.collection.Collection(graph, graph.value(node, SH["in"])))


@pytest.mark.parametrize(
    ("shape", "cls", "mapping"),
    [
        (VRLKGSH["Testbed-testbedKind"], VRLKG.TestbedKind, "TESTBED_KIND"),
        (VRLKGSH.TestbedKindShape, VRLKG.TestbedKind, "TESTBED_KIND"),
        (VRLKGSH["Model-modelType"], VRLKG.ModelType, "MODEL_TYPE"),
        (VRLKGSH.ModelTypeShape, VRLKG.ModelType, "MODEL_TYPE"),
        (VRLKGSH["Venue-venueType"], VRLKG.VenueType, "VENUE_TYPE"),
        (VRLKGSH.VenueTypeShape, VRLKG.VenueType, "VENUE_TYPE"),
    ],
    ids=lambda v: (
        local_name(v) if isinstance(v, rdflib.URIRef) and str(v).startswith(str(VRLKGSH)) else None
    ),
)
def test_closed_vocabularies_match_the_ontology_and_converter(shape, cls, mapping):
    import kg.convert

    individuals = set(ontology().subjects(RDF.type, cls))
    assert sh_in(shape) == individuals
    assert {VRLKG[v] for v in getattr(kg.convert, mapping).values()} == individuals


@pytest.mark.parametrize(
    "shape",
    [VRLKGSH["Correction-aboutProperty"], VRLKGSH["CurationNote-aboutProperty"]],
    ids=local_name,
)
def test_about_property_lists_the_converter_field_properties(shape):
    from kg.convert import FIELD_PROPERTY

    assert sh_in(shape) == {rdflib.URIRef(p) for p in FIELD_PROPERTY.values()}


def test_no_results_on_the_ontology_alone():
    report = run_shacl(rdflib.Graph(), shapes(), ontology())
    assert not report.findings, "\n".join(map(str, report.findings))


def test_the_ontology_individuals_conform():
    # pySHACL copies only the ontology's axioms into the data graph, not the rdf:type of its
    # individuals; validating the ontology as data makes the shapes see the testbed kinds, model
    # types and venue types (skos:Concepts through subclassing) and their schemes too.
    report = run_shacl(ontology(), shapes(), ontology())
    assert not report.findings, "\n".join(map(str, report.findings))


# -- parsing ---------------------------------------------------------------------------------------

ALL_RDF_FILES = sorted(
    [*SHAPES_DIR.glob("*.ttl"), *FIXTURES.rglob("*.ttl"), *FIXTURES.rglob("*.trig")]
)


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")  # its TriG parser's own
@pytest.mark.parametrize("path", ALL_RDF_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_file_parses_strictly(path):
    rdflib_format, ox_format = fixture_format(path)
    (rdflib.Dataset() if rdflib_format == "trig" else rdflib.Graph()).parse(
        path, format=rdflib_format
    )
    assert list(ox.parse(path=str(path), format=ox_format))


@pytest.mark.parametrize("name", check_names())
def test_check_is_described_and_parses(name):
    from kg.validate import check_description

    query = (CHECKS_DIR / f"{name}.rq").read_text(encoding="utf-8")
    assert check_description(query), f"{name}.rq must start with `#` lines saying what it checks"
    assert re.search(r"\?focus\b", query), f"{name}.rq must return ?focus"
    run_checks(ox.Store(), CHECKS_DIR)  # every check is valid SPARQL


# -- checks ----------------------------------------------------------------------------------------


def load_store(path: Path) -> ox.Store:
    """The fixture in a store filled the way a build fills one (kg.store), with the ontology."""
    _rdflib_format, ox_format = fixture_format(path)
    quads = list(ox.parse(path=str(path), format=ox_format))
    if ox_format == ox.RdfFormat.TURTLE:
        curated = ox.NamedNode(CURATED_GRAPH)
        quads = [ox.Quad(q.subject, q.predicate, q.object, curated) for q in quads]
    return memory_store([*quads, *ontology_quads(ONTOLOGY_PATH)])


def check_fixtures(name: str) -> list[Path]:
    return sorted(p for p in (CHECK_FIXTURES / name).glob("*") if p.suffix in {".ttl", ".trig"})


@pytest.mark.parametrize("name", check_names())
def test_every_check_has_a_passing_and_a_failing_fixture(name):
    names = [p.stem for p in check_fixtures(name)]
    assert "passes" in names, f"missing tests/shapes/checks/{name}/passes.ttl"
    assert any(n.startswith("fails") for n in names), (
        f"missing tests/shapes/checks/{name}/fails.ttl"
    )


def test_every_check_fixture_folder_belongs_to_a_check():
    folders = {p.name for p in CHECK_FIXTURES.iterdir() if p.is_dir()}
    assert folders <= set(check_names()), sorted(folders - set(check_names()))


CHECK_CASES = [
    pytest.param(name, path, id=f"{name}/{path.name}")
    for name in check_names()
    for path in check_fixtures(name)
]


@pytest.mark.parametrize(("name", "path"), [c for c in CHECK_CASES if c.values[1].stem == "passes"])
def test_passing_fixture(name, path):
    findings = run_checks(load_store(path), CHECKS_DIR)
    assert not findings, "\n".join(map(str, findings))


@pytest.mark.parametrize(
    ("name", "path"), [c for c in CHECK_CASES if c.values[1].stem.startswith("fails")]
)
def test_failing_fixture(name, path, tmp_path):
    store = load_store(path)
    shutil.copy(CHECKS_DIR / f"{name}.rq", tmp_path / f"{name}.rq")
    findings = run_checks(store, tmp_path)
    assert findings, f"{name}.rq returns no row on {path.name}"
    assert all(f.focus for f in findings), "every row names its ?focus"
    for focus in header_values(path, "expect-focus"):
        assert focus in {f.focus for f in findings}, f"{focus} is not reported: {findings}"
    others = [f for f in run_checks(store, CHECKS_DIR) if f.check != f"checks/{name}.rq"]
    assert not others, "other checks fail on it too:\n" + "\n".join(map(str, others))


# -- the converter's output ------------------------------------------------------------------------

CATALOG = {
    "sources.yaml": """
- id: opendilab-mmrl
  label: Awesome Multi-Modal Reinforcement Learning
  file: 000_a67ff63764aa6ed5.txt
  homepage: https://github.com/opendilab/awesome-multi-modal-reinforcement-learning
  maintainer: OpenDILab
  scheme: opendilab-mmrl
  license: Apache-2.0
- id: llm-vlm-rl-survey
  label: Awesome LLM- and VLM-Integrated Reinforcement Learning
  file: 002_f034324e3aea4e9d.txt
  scheme: llm-vlm-rl-survey
  survey: evolving-landscape
""",
    "schemes/opendilab-mmrl.yaml": """
id: opendilab-mmrl
label: Awesome Multi-Modal RL sections
source: opendilab-mmrl
concepts:
  - id: vlm-rl
    label: VLM-RL
    notation: "2"
    line: 92
""",
    "schemes/llm-vlm-rl-survey.yaml": """
id: llm-vlm-rl-survey
label: LLM/VLM-integrated RL taxonomy
source: llm-vlm-rl-survey
concepts:
  - id: reward
    label: LLM/VLM as Reward
    line: 70
  - id: reward-model
    label: Reward model
    broader: reward
    line: 72
    close_match: [model-roles/reward-model]
""",
    "schemes/model-roles.yaml": """
id: model-roles
label: Roles of foundation models in RL
concepts:
  - id: reward-model
    label: reward model
    definition: The model scores observations and its output is used as the reward.
""",
    "schemes/rl-components.yaml": """
id: rl-components
label: Components of the RL loop
concepts:
  - id: reward
    label: reward
""",
    "schemes/metrics.yaml": """
id: metrics
label: Evaluation metrics
concepts:
  - id: sr
    label: success rate
""",
    "people.yaml": """
- id: juan-rocamonde
  name: Juan Rocamonde
  orcid: 0000-0002-1825-0097
  dblp: https://dblp.org/pid/00/0000
- id: sheila-schoepp
  name: Sheila Schoepp
- id: openai
  name: OpenAI
  type: organization
""",
    "methods.yaml": """
- id: ppo
  label: PPO
  name: Proximal Policy Optimization
  type: algorithm
  description: On-policy actor-critic algorithm with a clipped surrogate objective.
- id: vlm-rm
  label: VLM-RM
  builds_on: [ppo]
""",
    "models.yaml": """
- id: clip
  label: CLIP
  type: vision-encoder
  developer: OpenAI
  homepage: https://openai.com/index/clip/
""",
    "environments.yaml": """
- id: mujoco
  label: MuJoCo
  type: environment
  kind: simulator
- id: humanoid
  label: Humanoid
  type: environment
  kind: task
  part_of: mujoco
  domains: [locomotion]
  modalities: [pixels, proprioception]
""",
    "domains.yaml": """
- id: robotics
  label: Robotics
  wikidata: Q170978
- id: locomotion
  label: Locomotion
  broader: robotics
""",
    "venues.yaml": """
- id: iclr
  label: International Conference on Learning Representations
  acronym: ICLR
  type: conference
""",
    "papers/vlm-rm.yaml": """
id: vlm-rm
title: Vision-Language Models are Zero-Shot Reward Models for Reinforcement Learning
arxiv: "2310.12921"
doi: 10.48550/arXiv.2310.12921
date: 2023-10
venue: iclr
url: https://openreview.net/forum?id=N0I2RtD8je
authors: [juan-rocamonde, sheila-schoepp]
keywords: [VLM, reward model]
code: [https://github.com/AlignmentResearch/vlmrm]
domains: [locomotion]
introduces: [vlm-rm]
uses_methods: [ppo]
evaluated_on:
  - id: humanoid
    evidence: We train a MuJoCo humanoid to kneel, do the splits and sit in a lotus position.
    derived: abstract
models:
  - model: clip
    role: reward-model
    fine_tuned: false
    fine_tuned_as_written: "\u00d7"
rl_components: [reward]
metrics: [sr]
listings:
  - source: opendilab-mmrl
    line: 95
    categories: [vlm-rl]
    gives: [title, url, authors]
  - source: llm-vlm-rl-survey
    line: 80
    categories: [reward-model]
    gives: [title, models, rl_components]
provenance:
  arxiv: found by exact-title search
  doi: derived from the arXiv id (10.48550/arXiv.ID)
  date: derived from the arXiv id (YYMM)
  venue: OpenReview page
  keywords: the abstract
  code: the paper's first page
  domains: the experiments section
  introduces: the abstract
  uses_methods: the method section
  metrics: the experiments section
corrections:
  - field: url
    source: opendilab-mmrl
    line: 95
    as_written: https://arxiv.org/abs/2305.18290
    reason: the link points at the DPO paper, not at this one
""",
    "papers/evolving-landscape.yaml": """
id: evolving-landscape
title: The Evolving Landscape of LLM- and VLM-Integrated Reinforcement Learning
arxiv: "2502.15214"
authors: [sheila-schoepp]
listings:
  - source: llm-vlm-rl-survey
    line: 1
    gives: [title]
provenance:
  arxiv: the list's README
  authors: the arXiv page
""",
    "papers/learning-to-reason-with-llms.yaml": """
id: learning-to-reason-with-llms
type: blog-post
title: Learning to Reason with LLMs
date: 2024-09-12
url: https://openai.com/index/learning-to-reason-with-llms/
authors: [openai]
provenance:
  type: the page is a blog post
  title: OpenAI's blog
  date: OpenAI's blog
  url: OpenAI's blog
  authors: OpenAI's blog
""",
}


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> list[ox.Quad]:
    from kg.convert import convert
    from kg.loader import load_catalog
    from kg.references import check_references

    data_dir = tmp_path_factory.mktemp("data")
    for name, text in CATALOG.items():
        (data_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / name).write_text(text.lstrip(), encoding="utf-8")
    catalog = load_catalog(data_dir)
    check_references(catalog)
    return convert(catalog, "https://w3id.org/vrlkg/")


def test_converter_output_conforms(converted):
    from kg.validate import validate

    report = validate(converted, SHAPES_DIR, ONTOLOGY_PATH)
    assert not report.violations, report.text()
    # The one warning: the blog post we added ourselves is listed in no source.
    assert [(f.check, f.focus) for f in report.warnings] == [
        (
            "https://w3id.org/vrlkg/shapes#Work-listedIn",
            "https://w3id.org/vrlkg/paper/learning-to-reason-with-llms",
        ),
    ], report.text()


def test_every_class_the_converter_emits_has_a_shape(converted):
    emitted = {str(q.object.value) for q in converted if q.predicate.value == str(RDF.type)}
    targets = {str(t) for t in shapes().objects(None, SH.targetClass)}
    assert emitted - targets == set()
    # The data above makes the converter emit every class but the other work types.
    assert emitted >= {str(c) for c in emitted_classes()} - {
        ns.VRLKG + c
        for c in (
            "Course",
            "Book",
            "Software",
            "TestbedKind",
            "ModelType",
            "VenueType",
            "Benchmark",
            "Dataset",
            "Derivation",  # individuals of the ontology, not of the data
            "QualityReport",  # written by `vrlkg report`, not by the converter
            "SourceDefect",
            "CoverageFigure",
        )
    }
