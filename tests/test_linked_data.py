"""Linked data over HTTP against the real server (`vrlkg serve --no-build` over the session
build): every kind of IRI dereferences with content negotiation, the pages, search, the
ontology, the dataset description, the downloads, the helpful 404."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from kg import namespaces as ns
from kg.settings import DEFAULT_BASE_IRI

BASE = DEFAULT_BASE_IRI
VRLKG = rdflib.Namespace(ns.VRLKG)
VOID = rdflib.Namespace(ns.VOID)
DCAT = rdflib.Namespace(ns.DCAT)
SD = rdflib.Namespace(ns.SD)
RDF_TYPES = {
    "text/turtle": ("turtle", ".ttl"),
    "application/n-triples": ("nt", ".nt"),
    "application/ld+json": ("json-ld", ".jsonld"),
    "application/rdf+xml": ("xml", ".rdf"),
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(graph_server):
    with httpx.Client(base_url=graph_server, timeout=30) as running:
        yield running


def sparql(client: httpx.Client, query: str) -> list[dict]:
    response = client.post("/sparql", data={"query": ns.sparql_prologue() + query})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


@pytest.fixture(scope="module")
def one_of_each_kind(client) -> dict[str, str]:
    """One minted IRI of every kind the graph has, from the graph itself."""
    rows = sparql(client, f"""SELECT ?s WHERE {{ ?s ?p ?o FILTER (isIRI(?s)
        && STRSTARTS(STR(?s), "{BASE}") && !STRSTARTS(STR(?s), "{ns.ONTOLOGY_IRI}")) }}""")
    found: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r["s"]["value"]):
        iri = row["s"]["value"]
        found.setdefault(iri[len(BASE):].split("/", 1)[0], iri)
    return found


def path_of(iri: str) -> str:
    return "/" + iri[len(BASE):]


CORE_KINDS = {
    "paper", "person", "authorship", "method", "model", "model-use", "environment",
    "benchmark", "dataset", "domain", "venue", "source", "scheme", "concept", "graph",
    "listing", "correction", "curation",
}


def test_every_kind_is_in_the_graph(one_of_each_kind):
    from kg.iris import KINDS

    # The real data has every kind the converter mints (curation notes and corrections
    # included), so every kind is dereferenced below; and nothing of another kind.
    assert CORE_KINDS <= set(one_of_each_kind) <= set(KINDS)


def test_every_kind_dereferences_in_every_format(client, one_of_each_kind):
    for kind in sorted(one_of_each_kind):
        check_dereferences(client, one_of_each_kind[kind])


def check_dereferences(client, iri):
    path = path_of(iri)
    page = client.get(path, headers={"Accept": BROWSER})
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Accept" in page.headers["vary"]
    # The page embeds schema.org JSON-LD about the entity.
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    data = json.loads(scripts[0])
    assert data["@context"] == "https://schema.org" and data["@id"] == iri
    for media, (rdflib_format, suffix) in RDF_TYPES.items():
        for response in (
            client.get(path, headers={"Accept": media}),
            client.get(path + suffix),
        ):
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].split(";")[0] == media
            assert "Accept" in response.headers["vary"]
            graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
            assert (rdflib.URIRef(iri), None, None) in graph


def test_description_holds_own_triples_and_labels_of_both_ends(client):
    graph = rdflib.Graph().parse(
        data=client.get("/paper/drm.ttl").content, format="turtle"
    )
    drm = rdflib.URIRef(BASE + "paper/drm")
    assert (drm, RDF.type, VRLKG.Paper) in graph
    title = graph.value(drm, DCTERMS.title)
    assert str(title).startswith("DrM")
    assert (drm, OWL.sameAs, rdflib.URIRef("https://arxiv.org/abs/2310.19668")) in graph
    # The labels of what it links to: its authors and its testbeds.
    for creator in graph.objects(drm, DCTERMS.creator):
        assert graph.value(creator, RDFS.label) is not None, creator
    dmc = rdflib.URIRef(BASE + "environment/dm-control")
    assert (drm, VRLKG.evaluatedOn, dmc) in graph
    assert str(graph.value(dmc, RDFS.label)) == "DeepMind Control Suite"
    # What links to it, with labels: the listings that name it.
    listings = set(graph.subjects(VRLKG.listedWork, drm))
    assert listings and all(graph.value(s, RDFS.label) for s in listings)


def test_a_person_lists_their_papers(client):
    graph = rdflib.Graph().parse(
        data=client.get("/person/sergey-levine", headers={"Accept": "text/turtle"}).content,
        format="turtle",
    )
    levine = rdflib.URIRef(BASE + "person/sergey-levine")
    works = set(graph.subjects(DCTERMS.creator, levine))
    assert rdflib.URIRef(BASE + "paper/trpo") in works
    assert all(graph.value(w, DCTERMS.title) for w in works)
    page = client.get("/person/sergey-levine", headers={"Accept": BROWSER}).text
    assert "Trust Region Policy Optimization" in page
    assert 'href="/paper/trpo"' in page


def test_multi_segment_iris(client):
    for path in ("/concept/llm-vlm-rl-survey/reward-model", "/authorship/drm/1"):
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 200
    use = sparql(client, "SELECT ?u WHERE { ?u a vrlkg:ModelUse } LIMIT 1")[0]["u"]["value"]
    assert len(path_of(use).split("/")) == 5
    assert client.get(path_of(use) + ".nt").status_code == 200


def test_the_paper_page(client):
    page = client.get("/paper/drm", headers={"Accept": BROWSER})
    html = page.text
    assert page.headers["content-location"] == "/paper/drm.html"
    # Authors in author-list order.
    authors = re.search(r'<p class="authors">(.*?)</p>', html, re.S).group(1)
    names = re.findall(r">([^<]+)</a>", authors)
    assert names[:3] == ["Guowei Xu", "Ruijie Zheng", "Yongyuan Liang"]
    assert names[-1] == "Huazhe Xu"
    assert 'href="https://arxiv.org/abs/2310.19668"' in html
    assert 'href="https://doi.org/10.48550/arXiv.2310.19668"' in html
    assert "2023-10" in html
    assert "<h2>Abstract</h2>" in html
    assert "<h2>Categories</h2>" in html and "VLM-RL" in html
    evaluated = html.split("<h2>Evaluated on</h2>", 1)[1].split("</section>", 1)[0]
    assert 'href="/environment/dm-control"' in evaluated
    assert "opendilab-mmrl" in evaluated  # the evidence: the list that says so
    related = html.split("<h2>Related works</h2>", 1)[1].split("</section>", 1)[0]
    assert "/paper/revisiting-data-augmentation-drl" in related
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "ScholarlyArticle"
    assert data["author"][0]["name"] == "Guowei Xu"
    assert {"@type": "PropertyValue", "propertyID": "arXiv", "value": "2310.19668"} in data[
        "identifier"
    ]


def test_models_with_roles_and_code_links(client):
    rows = sparql(client, """SELECT ?w WHERE { ?w vrlkg:hasModelUse ?u ;
        schema:codeRepository ?c } ORDER BY ?w LIMIT 1""")
    path = path_of(rows[0]["w"]["value"])
    html = client.get(path, headers={"Accept": BROWSER}).text
    assert "<h2>Foundation models and their roles</h2>" in html
    assert 'href="/concept/model-roles/' in html
    assert "code: " in html


@pytest.mark.parametrize(
    ("path", "schema_type"),
    [
        ("/person/sergey-levine", "Person"),
        ("/method/ppo", "DefinedTerm"),
        ("/environment/dm-control", "SoftwareApplication"),
        ("/concept/llm-vlm-rl-survey/reward-model", "DefinedTerm"),
        ("/scheme/llm-vlm-rl-survey", "DefinedTermSet"),
        ("/source/opendilab-mmrl", "CreativeWork"),
    ],
)
def test_pages_embed_schema_org(client, path, schema_type):
    html = client.get(path, headers={"Accept": BROWSER}).text
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == schema_type


def test_dataset_and_software_pages_embed_their_types(client):
    for cls, schema_type in (("Dataset", "Dataset"), ("Software", "SoftwareSourceCode")):
        rows = sparql(client, f"SELECT ?s WHERE {{ ?s a vrlkg:{cls} }} LIMIT 1")
        if not rows:
            continue
        html = client.get(path_of(rows[0]["s"]["value"]), headers={"Accept": BROWSER}).text
        data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html, re.S)[1])
        assert data["@type"] == schema_type


def test_source_page_lists_entries_in_line_order(client):
    html = client.get("/source/opendilab-mmrl", headers={"Accept": BROWSER}).text
    section = html.split("<h2>Entries, in the list's order</h2>", 1)[1]
    lines = [int(n) for n in re.findall(r'<span class="small">line (\d+)</span>', section)]
    assert lines and lines == sorted(lines)


def test_index_pages_and_landing(client):
    for kind in ("paper", "person", "method", "environment", "concept", "listing"):
        page = client.get(f"/{kind}/", headers={"Accept": BROWSER})
        assert page.status_code == 200 and 'class="index"' in page.text
    assert client.get("/paper", follow_redirects=False).status_code == 301
    landing = client.get("/", headers={"Accept": BROWSER}).text
    assert 'action="/search"' in landing
    works = int(re.search(r'href="/paper/"><strong>(\d+)</strong>', landing).group(1))
    count = sparql(client, "SELECT (COUNT(DISTINCT ?w) AS ?n) WHERE { ?w dcterms:title ?t "
                           f'FILTER STRSTARTS(STR(?w), "{BASE}paper/") }}')
    assert works == int(count[0]["n"]["value"])
    assert 'href="/query#dmc-evaluations"' in landing
    # A client that does not want HTML is sent to the endpoint, as before.
    assert client.get("/", headers={"Accept": "application/sparql-results+json"},
                      follow_redirects=False).headers["location"] == "/sparql"


def test_search_is_ranked_and_fast(client):
    response = client.get("/search", params={"q": "dormant ratio", "format": "json"})
    results = response.json()
    # The paper and the method it introduces (whose description names the dormant ratio).
    assert "/paper/drm" in [r["url"] for r in results["results"][:2]]
    assert results["seconds"] < 0.05
    by_label = client.get("/search", params={"q": "DeepMind Control Suite", "format": "json"})
    assert by_label.json()["results"][0]["url"] == "/environment/dm-control"
    prefix = client.get("/search", params={"q": "eurek", "format": "json"}).json()
    assert any(r["url"] == "/paper/eureka" for r in prefix["results"][:3])
    people = client.get("/search", params={"q": "levine", "kind": "person", "format": "json"})
    assert people.json()["results"][0]["url"] == "/person/sergey-levine"
    html = client.get("/search", params={"q": "dormant ratio"}, headers={"Accept": BROWSER})
    assert 'href="/paper/drm"' in html.text
    started = time.perf_counter()
    for _ in range(20):
        client.get("/search", params={"q": "reward model vision language", "format": "json"})
    assert (time.perf_counter() - started) / 20 < 0.25


def test_unknown_iri_gets_a_helpful_404(client):
    page = client.get("/paper/drmm", headers={"Accept": BROWSER})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/paper/drm"' in page.text  # a close match
    assert 'href="/search?q=drmm"' in page.text
    assert 'href="/environment/"' in page.text  # the kinds
    unknown_kind = client.get("/paper-x/drm", headers={"Accept": BROWSER})
    assert unknown_kind.status_code == 404 and 'href="/paper/drm"' in unknown_kind.text
    turtle = client.get("/paper/drmm.ttl")
    assert turtle.status_code == 404
    assert client.get("/paper/DrM").status_code == 404  # not a valid id


def test_the_ontology(client):
    html = client.get("/ontology", headers={"Accept": BROWSER})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert 'id="Paper"' in html.text and 'id="evaluatedOn"' in html.text
    assert "A scholarly article or preprint reporting research." in html.text
    for response in (client.get("/ontology", headers={"Accept": "text/turtle"}),
                     client.get("/ontology.ttl")):
        assert response.headers["content-type"].startswith("text/turtle")
        graph = rdflib.Graph().parse(data=response.content, format="turtle")
        assert (rdflib.URIRef(ns.ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
        assert graph.value(VRLKG.Paper, RDFS.comment) is not None


def test_void_counts_subsets_and_dumps(client):
    response = client.get("/.well-known/void")
    assert response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    dataset = rdflib.URIRef(BASE + ".well-known/void#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert str(graph.value(dataset, DCTERMS.license)).startswith("https://creativecommons.org/")
    triples = int(sparql(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]["value"])
    assert int(graph.value(dataset, VOID.triples)) == triples
    assert int(graph.value(dataset, VOID.entities)) > 0
    endpoint = graph.value(dataset, VOID.sparqlEndpoint)
    assert str(endpoint) == f"{client.base_url}/sparql".replace("//sparql", "/sparql")
    subsets = {str(s) for s in graph.objects(dataset, VOID.subset)}
    for source in ("opendilab-mmrl", "llm-vlm-rl-survey"):
        subset = BASE + f"graph/{source}"
        assert subset in subsets
        assert int(graph.value(rdflib.URIRef(subset), VOID.triples)) > 0
        assert graph.value(rdflib.URIRef(subset), DCTERMS.source) == rdflib.URIRef(
            BASE + f"source/{source}"
        )
    assert list(graph.objects(dataset, VOID.exampleResource))
    dumps = list(graph.objects(dataset, VOID.dataDump))
    assert len(dumps) >= 4
    for dump in dumps:
        assert httpx.head(str(dump)).status_code == 200, dump
    assert len(list(graph.objects(dataset, DCAT.distribution))) == len(dumps)


def test_service_description_links_the_dataset_description(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    service = next(graph.subjects(RDF.type, SD.Service))
    void_url = graph.value(service, RDFS.seeAlso)
    assert str(void_url).endswith("/.well-known/void")
    assert httpx.get(str(void_url)).status_code == 200


def test_downloads(client, built):
    listing = client.get("/downloads", headers={"Accept": BROWSER})
    assert listing.status_code == 200
    for name in ("vrlkg.nq", "vrlkg.ttl", "vrlkg.jsonld", "void.ttl"):
        assert f'href="/downloads/{name}"' in listing.text
    dump = client.get("/downloads/vrlkg.nq")
    assert dump.status_code == 200
    assert dump.content == (built.path / "vrlkg.nq").read_bytes()
    data = client.get("/downloads", headers={"Accept": "application/json"}).json()
    assert {f["name"] for f in data["build"]} >= {"vrlkg.nq", "void.ttl"}
    assert client.get("/downloads/../kg/settings.py").status_code == 404
    assert client.get("/downloads/releases/0.0.0/x").status_code == 404


def test_build_writes_the_dataset_description(built):
    graph = rdflib.Graph().parse(built.path / "void.ttl", format="turtle")
    dataset = rdflib.URIRef(BASE + ".well-known/void#dataset")
    assert (dataset, VOID.sparqlEndpoint, rdflib.URIRef(BASE + "sparql")) in graph
    assert rdflib.URIRef(BASE + "downloads/vrlkg.nq") in set(graph.objects(dataset, VOID.dataDump))
    quads = sum(1 for line in (built.path / "vrlkg.nq").open() if line.strip())
    subsets = list(graph.objects(dataset, VOID.subset))
    assert sum(int(graph.value(s, VOID.triples)) for s in subsets) == quads
