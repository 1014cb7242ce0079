"""A synthetic VRL-KG graph at a chosen size, seeded and reproducible.

It uses the terms kg/convert.py writes (ontology/vrlkg.ttl): papers with titles, dates, arXiv ids,
authorships and dcterms:creator, evaluation testbeds, introduced and used methods, model uses with
roles, categories of each source's scheme, listings, corrections, and one named graph per source
plus the curated graph. Popularity is skewed the way real literature is: a few environments,
methods, models and authors are used by many papers (Zipf), most by few.

    python -m bench.synth --triples 500000 --seed 1 -o synth.nq
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from kg import namespaces as ns
from kg.iris import mint
from kg.settings import DEFAULT_BASE_IRI
from kg.store import with_merged_default_graph

BASE = DEFAULT_BASE_IRI
SOURCES = ("awesome-vrl", "llm-rl-survey", "embodied-rl-list", "vlm-agents-list")
ROLES = (
    "policy",
    "planner",
    "reward model",
    "reward-function writer",
    "world model",
    "judge",
    "feature extractor",
)
MODEL_TYPES = ("llm", "vlm", "visionEncoder", "vla", "diffusionModel", "otherModel")
ALGORITHMS = ("PPO", "SAC", "DQN", "GRPO", "DPO", "TD3", "DreamerV3", "REINFORCE", "A2C", "IMPALA")


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS = _words(
    "vision language reinforcement learning reward model policy robot manipulation embodied agent "
    "visual navigation world model pretraining representation contrastive video diffusion "
    "planning language-conditioned control locomotion transformer offline online exploration "
    "curriculum preference feedback grounding multimodal foundation scalable efficient robust "
    "generalist dexterous imitation self-supervised hierarchical skill zero-shot instruction "
    "Minecraft Atari driving household kitchen simulation benchmark sparse dense shaping"
)
FIRST = _words("Ada Alan Grace Edsger Barbara John Donald Frances Leslie Tim Yann Fei Andrew")
LAST = _words(
    "Lovelace Turing Hopper Dijkstra Liskov McCarthy Knuth Allen Lamport Berners-Lee LeCun Li "
    "Ng Abbeel Finn Levine Sutton Silver"
)


def iri(kind: str, *slug: str | int) -> ox.NamedNode:
    return ox.NamedNode(mint(BASE, kind, *slug))


def V(local: str) -> ox.NamedNode:
    return ox.NamedNode(ns.VRLKG + local)


def P(uri: str) -> ox.NamedNode:
    return ox.NamedNode(uri)


RDF_TYPE = P(ns.RDF + "type")
LABEL = P(ns.RDFS + "label")
PREF = P(ns.SKOS + "prefLabel")
IN_SCHEME = P(ns.SKOS + "inScheme")
TITLE = P(ns.DCTERMS + "title")
ISSUED = P(ns.DCTERMS + "issued")
CREATOR = P(ns.DCTERMS + "creator")
FOAF_NAME = P(ns.FOAF + "name")


def lit(value: str) -> ox.Literal:
    return ox.Literal(value)


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=P(ns.XSD + datatype))


class Zipf:
    """Draws indexes 0..n-1 with probability proportional to 1 / (rank + 1) ** s."""

    def __init__(self, n: int, s: float = 1.1):
        weights = [1.0 / (k + 1) ** s for k in range(n)]
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])

    def sample(self, rng: random.Random, k: int) -> list[int]:
        chosen: dict[int, None] = {}
        for _ in range(k * 4):
            chosen[self.draw(rng)] = None
            if len(chosen) == k:
                break
        return list(chosen)


class Synth:
    """Papers are made one by one; entities are sized from the expected number of papers."""

    def __init__(self, papers: int, seed: int):
        self.rng = random.Random(seed)
        self.papers = papers
        self.people = max(20, papers * 3 // 2)
        self.testbeds = max(30, min(2000, papers // 10))
        self.methods = max(30, min(3000, papers // 5))
        self.models = max(20, min(500, papers // 40))
        self.venues = 30
        self.categories = 24
        self.zipf_people = Zipf(self.people, 1.05)
        self.zipf_testbeds = Zipf(self.testbeds, 1.2)
        self.zipf_methods = Zipf(self.methods, 1.1)
        self.zipf_models = Zipf(self.models, 1.1)
        self.zipf_categories = Zipf(self.categories, 0.8)
        self.curated = iri("graph", "curated")

    # -- entities -----------------------------------------------------------------------------
    def entities(self) -> Iterator[ox.Quad]:
        cur = self.curated
        yield ox.Quad(cur, RDF_TYPE, P(ns.PROV + "Bundle"), cur)
        yield ox.Quad(cur, LABEL, lit("Statements curated by VRL-KG"), cur)
        roles_scheme = iri("scheme", "model-roles")
        yield ox.Quad(roles_scheme, RDF_TYPE, P(ns.SKOS + "ConceptScheme"), cur)
        for role in ROLES:
            concept = iri("concept", "model-roles", role.replace(" ", "-"))
            yield ox.Quad(concept, RDF_TYPE, P(ns.SKOS + "Concept"), cur)
            yield ox.Quad(concept, IN_SCHEME, roles_scheme, cur)
            yield ox.Quad(concept, PREF, lit(role), cur)
        for kind in MODEL_TYPES:
            yield ox.Quad(V(kind), LABEL, lit(kind), cur)
        for s, source in enumerate(SOURCES):
            graph = iri("graph", source)
            node = iri("source", source)
            scheme = iri("scheme", source)
            yield ox.Quad(graph, RDF_TYPE, P(ns.PROV + "Bundle"), cur)
            yield ox.Quad(graph, P(ns.PROV + "wasDerivedFrom"), node, cur)
            yield ox.Quad(node, RDF_TYPE, V("Source"), cur)
            yield ox.Quad(node, LABEL, lit(f"Source list {s + 1}: {source}"), cur)
            yield ox.Quad(node, V("categoryScheme"), scheme, cur)
            yield ox.Quad(scheme, RDF_TYPE, P(ns.SKOS + "ConceptScheme"), graph)
            for c in range(self.categories):
                concept = iri("concept", source, f"c{c}")
                yield ox.Quad(concept, RDF_TYPE, P(ns.SKOS + "Concept"), graph)
                yield ox.Quad(concept, IN_SCHEME, scheme, graph)
                yield ox.Quad(concept, PREF, lit(f"{source} category {c}"), graph)
                yield ox.Quad(concept, LABEL, lit(f"{source} category {c}"), graph)
        for p in range(self.people):
            node = iri("person", f"p{p}")
            name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)} {p}"
            yield ox.Quad(node, RDF_TYPE, V("Person"), cur)
            yield ox.Quad(node, LABEL, lit(name), cur)
            yield ox.Quad(node, FOAF_NAME, lit(name), cur)
        suite = iri("environment", "dm-control")
        for t in range(self.testbeds):
            node = suite if t == 0 else iri("environment", f"env{t}")
            label = "DeepMind Control Suite" if t == 0 else f"Environment {t}"
            yield ox.Quad(node, RDF_TYPE, V("Environment"), cur)
            yield ox.Quad(node, LABEL, lit(label), cur)
            yield ox.Quad(node, V("testbedKind"), V("suite" if t % 10 == 0 else "task"), cur)
            if t % 10 != 0:  # tasks are part of a suite; every tenth testbed is a suite
                parent = suite if t < 12 else iri("environment", f"env{t - t % 10}")
                yield ox.Quad(node, V("partOf"), parent, cur)
        for m in range(self.methods):
            node = iri("method", f"m{m}")
            label = ALGORITHMS[m] if m < len(ALGORITHMS) else f"Method {m}"
            yield ox.Quad(node, RDF_TYPE, V("Method"), cur)
            if m < len(ALGORITHMS):
                yield ox.Quad(node, RDF_TYPE, V("RLAlgorithm"), cur)
            yield ox.Quad(node, LABEL, lit(label), cur)
        for m in range(self.models):
            node = iri("model", f"model{m}")
            yield ox.Quad(node, RDF_TYPE, V("Model"), cur)
            yield ox.Quad(node, LABEL, lit(f"Model {m}"), cur)
            yield ox.Quad(node, V("modelType"), V(MODEL_TYPES[m % len(MODEL_TYPES)]), cur)
        for v in range(self.venues):
            node = iri("venue", f"v{v}")
            yield ox.Quad(node, RDF_TYPE, V("Venue"), cur)
            yield ox.Quad(node, LABEL, lit(f"Venue {v}"), cur)

    # -- papers -------------------------------------------------------------------------------
    def paper(self, n: int) -> Iterator[ox.Quad]:
        rng = self.rng
        node = iri("paper", f"paper{n}")
        first = rng.randrange(len(SOURCES))
        listed = [first] + ([(first + 1) % len(SOURCES)] if rng.random() < 0.2 else [])
        graphs = [iri("graph", SOURCES[s]) for s in listed]
        cur = [self.curated]

        def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal, gs=graphs):
            for g in gs:
                yield ox.Quad(s, p, o, g)

        yield from add(node, RDF_TYPE, V("Paper"))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize()
        yield from add(node, TITLE, lit(f"{title} ({n})"))
        year, month = rng.randint(2015, 2025), rng.randint(1, 12)
        yield from add(node, ISSUED, typed(f"{year}-{month:02d}-{rng.randint(1, 28):02d}", "date"))
        arxiv = f"{year % 100:02d}{month:02d}.{n:05d}"
        yield from add(node, P(ns.FABIO + "hasArXivId"), lit(arxiv))
        yield from add(node, V("venue"), iri("venue", f"v{rng.randrange(self.venues)}"))
        for keyword in rng.sample(WORDS, 3):
            yield from add(node, P(ns.SCHEMA + "keywords"), lit(keyword))
        for position, person in enumerate(self.zipf_people.sample(rng, rng.randint(1, 7)), 1):
            agent = iri("person", f"p{person}")
            authorship = iri("authorship", f"paper{n}", position)
            yield from add(node, CREATOR, agent)
            yield from add(node, V("hasAuthorship"), authorship)
            yield from add(authorship, RDF_TYPE, V("Authorship"))
            yield from add(authorship, V("author"), agent)
            yield from add(authorship, V("authorPosition"), typed(str(position), "positiveInteger"))
        for t in self.zipf_testbeds.sample(rng, rng.randint(1, 4)):
            testbed = iri("environment", "dm-control") if t == 0 else iri("environment", f"env{t}")
            yield from add(node, V("evaluatedOn"), testbed)
        if rng.random() < 0.6:
            own = len(ALGORITHMS) + rng.randrange(self.methods - len(ALGORITHMS))
            method = iri("method", f"m{own}")
            yield from add(node, V("introducesMethod"), method)
        for m in self.zipf_methods.sample(rng, rng.randint(1, 3)):
            yield from add(node, V("usesMethod"), iri("method", f"m{m}"))
        for m in self.zipf_models.sample(rng, rng.choice((0, 0, 1, 1, 2, 3))):
            role = ROLES[min(int(rng.expovariate(0.6)), len(ROLES) - 1)]
            role_slug = role.replace(" ", "-")
            model = iri("model", f"model{m}")
            use = iri("model-use", f"paper{n}", f"model{m}", role_slug)
            yield from add(node, V("usesModel"), model)
            yield from add(node, V("hasModelUse"), use)
            yield from add(use, RDF_TYPE, V("ModelUse"))
            yield from add(use, V("model"), model)
            yield from add(use, V("modelRole"), iri("concept", "model-roles", role_slug))
            if rng.random() < 0.7:
                yield from add(use, V("fineTuned"), typed(rng.choice(("true", "false")), "boolean"))
        for s, graph in zip(listed, graphs, strict=True):
            source = SOURCES[s]
            line = rng.randint(10, 5000)
            entry = iri("listing", source, line, f"paper{n}")
            yield ox.Quad(node, V("listedIn"), iri("source", source), graph)
            yield ox.Quad(entry, RDF_TYPE, V("Listing"), graph)
            yield ox.Quad(entry, V("listedWork"), node, graph)
            yield ox.Quad(entry, V("inSource"), iri("source", source), graph)
            yield ox.Quad(entry, V("sourceLine"), typed(str(line), "positiveInteger"), graph)
            for c in self.zipf_categories.sample(rng, rng.randint(1, 2)):
                concept = iri("concept", source, f"c{c}")
                yield ox.Quad(node, V("inCategory"), concept, graph)
                yield ox.Quad(entry, V("inCategory"), concept, graph)
        if rng.random() < 0.03:
            fix = iri("correction", f"paper{n}", 1)
            yield from add(fix, RDF_TYPE, V("Correction"), cur)
            yield from add(fix, V("correctionOf"), node, cur)
            yield from add(fix, V("aboutProperty"), ISSUED, cur)
            yield from add(fix, V("valueAsWritten"), lit(str(year - 1)), cur)
            yield from add(fix, V("reason"), lit("the arXiv version is dated otherwise"), cur)
            yield from add(fix, V("inSource"), iri("source", SOURCES[first]), cur)


# Distinct triples per paper, measured with the generator above (to size the paper count).
TRIPLES_PER_PAPER = 54.7


def generate(triples: int, seed: int = 1) -> list[ox.Quad]:
    """Quads in named graphs whose merge has about `triples` distinct triples."""
    synth = Synth(max(10, int(triples / TRIPLES_PER_PAPER)), seed)
    quads = dict.fromkeys(synth.entities())  # insertion-ordered, so the output is reproducible
    for n in range(synth.papers):
        quads.update(dict.fromkeys(synth.paper(n)))
    return list(quads)


def dataset(triples: int, seed: int = 1) -> list[ox.Quad]:
    """The generated named graphs plus their merge as the default graph (as kg.store serves)."""
    return with_merged_default_graph(generate(triples, seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    quads = generate(args.triples, args.seed)
    ox.serialize(quads, output=str(args.output), format=ox.RdfFormat.N_QUADS)
    distinct = len({(q.subject, q.predicate, q.object) for q in quads})
    print(f"{len(quads)} quads, {distinct} distinct triples -> {args.output}")


if __name__ == "__main__":
    main()
