"""`vrlkg release` (dumps, checksums, changelog, the diff against the previous release) and
`vrlkg export --crosswalk` (schema.org, QuickStatements, BibTeX, CSL-JSON, the source lists as
Markdown), run as the command line runs them, over the session build."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import pyoxigraph as ox
import pytest
import rdflib

from kg import cli
from kg.settings import REPO_ROOT, Settings

SEEDS = REPO_ROOT.parent / "shared" / "seeds"


@pytest.fixture
def env(settings: Settings, built, tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("VRLKG_BUILD_DIR", str(settings.build_dir))
    monkeypatch.setenv("VRLKG_RELEASES_DIR", str(tmp_path / "releases"))
    # Without the source lists a release cannot make its quality report; the test that wants
    # one points this at the lists.
    monkeypatch.setenv("VRLKG_SEEDS_DIR", str(tmp_path / "no-seeds"))
    return settings.with_(releases_dir=tmp_path / "releases")


def export(crosswalk: str, tmp_path, *extra: str) -> str:
    out = tmp_path / f"{crosswalk}.out"
    assert cli.main(["export", "--crosswalk", crosswalk, "-o", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_release_then_a_second_release_with_its_diff(env, built, tmp_path, capsys):
    assert cli.main(["release", "1.0.0", "-q", "--no-build", "--notes", "The first release."]) == 0
    first = env.releases_dir / "1.0.0"
    names = {p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file()}
    assert {"vrlkg.nq.gz", "vrlkg.ttl.gz", "vrlkg.jsonld.gz", "vrlkg-ontology.ttl",
            "shapes/vrlkg-shapes.ttl", "void.ttl", "SHA256SUMS", "CHANGELOG.md",
            "release.json", "diff/summary.json", "validation.txt"} <= names
    # No build/quality.md in the session build: said, not hidden.
    assert "no quality report" in capsys.readouterr().err
    assert "no quality report" in (first / "CHANGELOG.md").read_text()
    # The dumps are the build's, gzipped reproducibly.
    nq = gzip.decompress((first / "vrlkg.nq.gz").read_bytes())
    assert nq == (built.path / "vrlkg.nq").read_bytes()
    assert len(list(ox.parse(gzip.decompress((first / "vrlkg.ttl.gz").read_bytes()),
                             format=ox.RdfFormat.TURTLE))) > 1000
    rdflib.Graph().parse(data=gzip.decompress((first / "vrlkg.jsonld.gz").read_bytes()),
                         format="json-ld")
    # Checksums of every other file.
    sums = dict(reversed(line.split("  ", 1)) for line in
                (first / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == names - {"SHA256SUMS"}
    for name, digest in sums.items():
        assert sha256(first / name) == digest, name
    # VoID of the release: its own dumps, its version.
    void = rdflib.Graph().parse(first / "void.ttl", format="turtle")
    dumps = {str(o) for o in void.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#dataDump"))}
    assert f"{env.base_iri}downloads/releases/1.0.0/vrlkg.nq.gz" in dumps
    assert "1.0.0" in {str(o) for o in void.objects(None, rdflib.OWL.versionInfo)}
    summary = json.loads((first / "diff" / "summary.json").read_text())
    assert summary["previous"] is None
    total = sum(g["added"] for g in summary["graphs"].values())
    assert total == len(nq.decode().splitlines())
    assert "The first release." in (first / "CHANGELOG.md").read_text()

    # Change the graph: one statement gone from a source graph, one added to the curated graph.
    build_nq = built.path / "vrlkg.nq"
    original = build_nq.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    removed = next(line for line in lines if "/graph/opendilab-mmrl>" in line)
    added = (f'<{env.base_iri}paper/drm> <http://purl.org/dc/terms/description> "new" '
             f"<{env.base_iri}graph/curated> .\n")
    try:
        build_nq.write_text("".join(sorted([line for line in lines if line != removed] + [added])))
        (env.build_dir / "quality.md").write_text("# Quality report\n\nAll good.\n")
        assert cli.main(["release", "1.1.0", "-q", "--no-build"]) == 0
    finally:
        build_nq.write_bytes(original)
        (env.build_dir / "quality.md").unlink()
    second = env.releases_dir / "1.1.0"
    summary = json.loads((second / "diff" / "summary.json").read_text())
    assert summary["previous"] == "1.0.0"
    assert summary["graphs"] == {"curated": {"added": 1, "removed": 0},
                                 "opendilab-mmrl": {"added": 0, "removed": 1}}
    assert (second / "diff" / "curated" / "added.nq").read_text() == added
    assert (second / "diff" / "opendilab-mmrl" / "removed.nq").read_text() == removed
    assert (second / "quality.md").read_text().startswith("# Quality report")
    changelog = (second / "CHANGELOG.md").read_text()
    assert changelog.index("## 1.1.0") < changelog.index("## 1.0.0")  # the history is kept
    assert "1 added and 1 removed since 1.0.0" in changelog
    assert "| opendilab-mmrl | 0 | 1 |" in changelog
    # A release is never overwritten by mistake; a bad version is refused.
    assert cli.main(["release", "1.1.0", "-q", "--no-build"]) == 2
    assert cli.main(["release", "not a version", "-q", "--no-build"]) == 2


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs the source lists in ../shared/seeds")
def test_a_release_makes_its_quality_report_from_the_source_lists(env, monkeypatch):
    monkeypatch.setenv("VRLKG_SEEDS_DIR", str(SEEDS))
    assert cli.main(["release", "2.0.0", "-q", "--no-build"]) == 0
    release = env.releases_dir / "2.0.0"
    report = (release / "quality.md").read_text(encoding="utf-8")
    assert report.startswith("# VRL-KG quality report")
    assert "| 001_a324031d7dc49edc.txt | 748 | malformed-url |" in report
    figures = rdflib.Graph().parse(release / "quality.ttl", format="turtle")
    assert len(figures) > 100
    assert "quality.md" in (release / "SHA256SUMS").read_text()


def test_releases_are_offered_at_downloads(env, tmp_path):
    from starlette.testclient import TestClient

    from server.app import create_app

    assert cli.main(["release", "0.9.0", "-q", "--no-build"]) == 0
    app = create_app(env.with_(query_workers=1))
    with TestClient(app) as client:
        listing = client.get("/downloads", headers={"Accept": "application/json"}).json()
        files = {f["name"] for f in listing["releases"]["0.9.0"]}
        assert {"vrlkg.nq.gz", "SHA256SUMS", "CHANGELOG.md"} <= files
        response = client.get("/downloads/releases/0.9.0/SHA256SUMS")
        assert response.status_code == 200 and "vrlkg.nq.gz" in response.text
        assert client.get("/downloads/releases/0.9.0/../../x").status_code == 404


def test_schema_org_crosswalk(env, tmp_path):
    data = json.loads(export("schema-org", tmp_path))
    assert data["@context"]["@vocab"] == "https://schema.org/"
    drm = next(n for n in data["@graph"] if n["@id"] == f"{env.base_iri}paper/drm")
    assert drm["@type"] == "ScholarlyArticle"
    assert drm["name"].startswith("DrM")
    graph = rdflib.Graph().parse(tmp_path / "schema-org.out", format="json-ld")
    schema = rdflib.Namespace("https://schema.org/")
    drm_iri = rdflib.URIRef(f"{env.base_iri}paper/drm")
    assert (drm_iri, rdflib.RDF.type, schema.ScholarlyArticle) in graph
    assert len(set(graph.objects(drm_iri, schema.author))) == 15
    assert "https://arxiv.org/abs/2310.19668" in {str(o) for o in graph.objects(drm_iri,
                                                                               schema.sameAs)}
    turtle = export("schema-org", tmp_path, "--format", "ttl")
    assert "schema:ScholarlyArticle" in turtle


def test_citation_crosswalks(env, tmp_path):
    bib = export("bibtex", tmp_path)
    entry = re.search(r"@\w+\{drm,\n(.*?)\n\}", bib, re.S).group(1)
    assert "eprint = {2310.19668}" in entry and "archiveprefix = {arXiv}" in entry
    assert "author = {Guowei Xu and Ruijie Zheng" in entry
    assert "year = {2023}" in entry and "month = {oct}" in entry
    assert bib.count("@") == len(re.findall(r"^@\w+\{", bib, re.M))
    items = json.loads(export("csl-json", tmp_path))
    drm = next(i for i in items if i["id"] == "drm")
    assert drm["author"][0] == {"family": "Xu", "given": "Guowei"}
    assert {"family": "Daumé", "given": "Hal", "suffix": "III"} in drm["author"]
    assert drm["issued"] == {"date-parts": [[2023, 10]]}
    assert drm["DOI"] == "10.48550/arXiv.2310.19668"
    deepseek = next((i for i in items if i["id"] == "deepseek-r1"), None)
    if deepseek:
        assert deepseek["author"] == [{"literal": "DeepSeek-AI"}]


def test_quickstatements_crosswalk(env, tmp_path):
    text = export("wikidata-quickstatements", tmp_path)
    blocks = text.strip().split("\n\n")
    drm = next(b for b in blocks if 'P818\t"2310.19668"' in b)
    lines = drm.splitlines()
    assert lines[0] == "CREATE"
    assert "LAST\tP31\tQ13442814" in lines
    assert 'LAST\tP356\t"10.48550/ARXIV.2310.19668"' in lines
    assert "LAST\tP577\t+2023-10-00T00:00:00Z/10" in lines
    assert 'LAST\tP2093\t"Guowei Xu"\tP1545\t"1"' in lines
    assert all(line.count("\t") >= 2 for line in lines[1:])


def headings(markdown: str) -> list[str]:
    return [re.sub(r"^#+\s*", "", line).strip() for line in markdown.splitlines()
            if line.startswith("##")]


def test_source_lists_as_markdown_in_their_own_order(env, tmp_path):
    text = export("source-markdown", tmp_path, "--graph", "opendilab-mmrl")
    assert text.startswith("# Awesome Multi-Modal Reinforcement Learning")
    source = (SEEDS / "000_a67ff63764aa6ed5.txt").read_text(encoding="utf-8")
    in_source = [h for h in (re.sub(r"^#+\s*", "", line).strip()
                             for line in source.splitlines() if line.startswith("### "))]
    assert headings(text) == [h for h in in_source if h in headings(text)]
    assert headings(text)[:3] == ["General-RL", "VLM-RL", "Generative-RL"]
    # Entries in the list's order: titles appear in the same order as in the source file.
    titles = re.findall(r"^- \[(.*?)\]\(", text, re.M)
    positions = [source.find(t) for t in titles if source.find(t) >= 0]
    assert len(positions) >= 0.8 * len(titles)
    assert positions == sorted(positions)
    drm = text.split("[DrM: Mastering Visual", 1)[1].split("\n\n", 1)[0]
    assert "Guowei Xu, Ruijie Zheng" in drm
    assert "Keyword: Dormant Ratio, Visual RL" in drm
    assert "DeepMind Control Suite" in drm
    everything = export("source-markdown", tmp_path)
    assert everything.count("\n# ") + everything.startswith("# ") >= 2
    assert cli.main(["export", "--crosswalk", "source-markdown", "--graph", "nope"]) == 2


def test_every_crosswalk_query_is_described(tmp_path):
    from kg.crosswalks import CROSSWALKS

    for crosswalk in CROSSWALKS.values():
        path = REPO_ROOT / "queries" / "exports" / crosswalk.query
        assert path.read_text().startswith("# "), path
