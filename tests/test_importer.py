"""`vrlkg import`, `vrlkg enrich` and `vrlkg report` on small lists in the three formats of the
source lists, over a copy of the valid data fixture."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from kg.cli import main
from kg.importer.encoding import looks_mac_roman_damaged, repair_mac_roman
from kg.importer.enrich import FindingsError, apply_findings, read_findings
from kg.importer.run import parse_source, run_import
from kg.report import gather, markdown, rdf
from kg.settings import Settings

TIMES, CHECK = "\u00d7", "\u2713"  # the FT column's marks
FIXTURES = Path(__file__).parent / "fixtures"
LISTS = FIXTURES / "import"
SOURCES = """
- id: awesome-demo
  label: Awesome Demo RL
  file: awesome.md
  scheme: awesome-demo
- id: table-demo
  label: Demo survey tables
  file: table.md
- id: dump-demo
  label: Demo search results
  file: dump.txt
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(FIXTURES / "data" / "valid", folder)
    with (folder / "sources.yaml").open("a", encoding="utf-8") as handle:
        handle.write(SOURCES)
    return folder


def paper(data: Path, work: str) -> dict:
    return yaml.safe_load((data / "papers" / f"{work}.yaml").read_text(encoding="utf-8"))


def snapshot(data: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data)): p.read_bytes() for p in sorted(data.rglob("*.yaml"))}


# -- reading the three formats ---------------------------------------------------------------------


def test_markdown_list_entries_sections_and_comments():
    parsed = parse_source(LISTS / "awesome.md")
    titles = [e.title for e in parsed.entries]
    assert "DemoRL: Rewards from Pixels" in titles
    assert "format:" not in " ".join(titles)  # the code block is an example, not an entry
    assert "Awesome Demo RL" not in titles  # table-of-contents links are not entries
    first = parsed.entries[0]
    assert (first.line, first.arxiv, first.code, first.date_text) == (
        16, "2310.12345", ["https://github.com/example/demo-rl"], "Oct. 2023")
    pixelnav = next(e for e in parsed.entries if e.title.startswith("PixelNav"))
    assert (pixelnav.arxiv, pixelnav.arxiv_version) == ("2505.00001", "v2")
    assert pixelnav.website == "https://pixelnav-r1.github.io/"
    hidden = next(e for e in parsed.entries if e.title.startswith("Hidden Paper"))
    assert hidden.in_comment
    blog = next(e for e in parsed.entries if e.title.startswith("An Illustrated"))
    assert blog.work_type == "blog-post"
    sections = {s.key: s for s in parsed.sections}
    assert sections["visual-rl"].definition == "Agents that learn control from pixels."
    assert sections["reward-models"].parent == "visual-rl"
    assert "contributing" not in sections  # a heading without entries is no category


def test_damaged_encoding_is_detected_and_repaired():
    raw = (LISTS / "table.md").read_text(encoding="utf-8")
    assert looks_mac_roman_damaged(raw)
    assert TIMES in repair_mac_roman(raw) and CHECK in repair_mac_roman(raw)
    parsed = parse_source(LISTS / "table.md")
    assert parsed.repaired_encoding
    row = parsed.entries[0]
    assert (row.method, row.citation, row.models, row.fine_tuned_mark) == (
        "DemoRL", "Lovelace et al., 2023", ["CLIP"], TIMES)
    assert parsed.entries[1].fine_tuned_mark == CHECK + "*"
    plain = "Le café, naïve — “quoted”"
    assert not looks_mac_roman_damaged(plain) and repair_mac_roman(plain) == plain


def test_search_dump_titles_abstracts_and_debris():
    parsed = parse_source(LISTS / "dump.txt")
    assert [e.title for e in parsed.entries] == [
        "DemoRL: Rewards from Pixels", "A Search-Only Paper About World Models"]
    assert parsed.entries[0].title_as_written.startswith("Subscribe")
    messages = [p.message for p in parsed.problems]
    assert any("page furniture glued to the title" in m for m in messages)
    assert any("LaTeX braces" in m for m in messages)
    assert any("glued together" in m for m in messages)


# -- the list's defects ----------------------------------------------------------------------------


def test_defects_of_the_list_are_found_with_their_lines(data):
    result = run_import(LISTS / "awesome.md", data, dry_run=True)
    found = {(p.kind, p.line) for p in result.problems}
    assert ("arxiv-id-shared", 30) in found  # 2310.12345 under another title
    assert ("duplicate-in-list", 38) in found  # DemoRL again
    assert ("date-contradicts-arxiv-id", 20) in found  # Mar. 2025 vs 2505
    assert ("versioned-arxiv-link", 20) in found
    assert ("link-copied-from-another-entry", 24) in found  # PixelNav's website on GraspNet
    assert ("malformed-url", 32) in found  # hhttps://
    assert ("scraping-debris", 26) in found  # a stray "u"
    assert ("date-contradicts-link", 42) in found  # a 2020 blog post listed as 2025


# -- drafts, identity, idempotence -----------------------------------------------------------------


def test_import_drafts_new_works_that_validate(data, tmp_path, monkeypatch, capsys):
    result = run_import(LISTS / "awesome.md", data)
    assert "pixelnav-r1" in result.created and "graspnet-rl" in result.created
    assert result.scheme_written
    # DemoRL is the existing demo-paper (same arXiv id and title): a listing, not a new work.
    assert "demo-paper" in result.listed
    assert any(lst["source"] == "awesome-demo" for lst in paper(data, "demo-paper")["listings"])
    pixelnav = paper(data, "pixelnav-r1")
    assert pixelnav["date"] == "2025-05"
    assert pixelnav["provenance"]["date"].startswith("derived from the arXiv id")
    fixes = {(c["field"], c["as_written"]) for c in pixelnav["corrections"]}
    assert ("date", "Mar. 2025") in fixes
    assert ("url", "https://arxiv.org/pdf/2505.00001v2") in fixes
    grasp = paper(data, "graspnet-rl")
    assert "project_page" not in grasp  # the copied website is not taken
    assert ("project_page", "https://pixelnav-r1.github.io/") in {
        (c["field"], c["as_written"]) for c in grasp["corrections"]}
    hidden = next(w for w in result.created if w.startswith("hidden-paper"))
    assert paper(data, hidden)["listings"][0]["in_html_comment"] is True
    assert paper(data, "broken-link-paper")["url"] == "https://arxiv.org/abs/2502.00003"
    # The whole folder still validates: records, references, SHACL and the quality checks.
    monkeypatch.setenv("VRLKG_DATA_DIR", str(data))
    monkeypatch.setenv("VRLKG_BUILD_DIR", str(tmp_path / "build"))
    assert main(["validate", "--quiet"]) == 0, capsys.readouterr()


def test_an_id_linked_from_another_title_does_not_merge(data):
    result = run_import(LISTS / "awesome.md", data)
    other = next(m for m in result.matches if m.entry.title.startswith("Another Paper"))
    assert other.status == "conflict" and other.distrust_arxiv
    drafted = paper(data, other.work)
    assert "arxiv" not in drafted  # held back until resolved by hand
    assert drafted["title"] == "Another Paper Linking The Same Id"


def test_running_twice_changes_nothing(data):
    run_import(LISTS / "awesome.md", data)
    run_import(LISTS / "dump.txt", data)
    before = snapshot(data)
    again = run_import(LISTS / "awesome.md", data)
    run_import(LISTS / "dump.txt", data)
    assert snapshot(data) == before
    assert not again.created and not again.listed


def test_curated_fields_are_never_overwritten(data):
    run_import(LISTS / "awesome.md", data)
    path = data / "papers" / "pixelnav-r1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("code: [https://github.com/example/PixelNav-R1]",
                                 "code: [https://github.com/curated/PixelNav]"), encoding="utf-8")
    curated = path.read_bytes()
    result = run_import(LISTS / "awesome.md", data)
    assert path.read_bytes() == curated
    assert not result.created


def test_search_dump_matches_by_title_and_drafts_the_rest(data):
    result = run_import(LISTS / "dump.txt", data)
    assert {m.status for m in result.matches} == {"existing", "new"}
    demo = paper(data, "demo-paper")
    dump_listing = next(lst for lst in demo["listings"] if lst["source"] == "dump-demo")
    assert "abstract" in dump_listing["gives"]  # the work had no abstract: the dump gives it
    new = paper(data, result.created[0])
    assert new["project_page"] == "https://example.org/world-models/"
    assert new["provenance"]["project_page"].startswith("named in the abstract")


def test_table_rows_match_by_method_code_or_citation(data):
    result = run_import(LISTS / "table.md", data, dry_run=True)
    statuses = [(m.entry.method, m.status) for m in result.matches]
    assert statuses == [("DemoRL", "existing"), ("Unknown et al.", "unmatched"),
                        ("Turing et al.", "unmatched")]


def test_cli_import_reports_and_exits_zero(data, monkeypatch, capsys):
    monkeypatch.setenv("VRLKG_DATA_DIR", str(data))
    assert main(["import", str(LISTS / "awesome.md"), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "conflict at line 30" in out and "defect at line 32: malformed-url" in out
    assert main(["import", str(LISTS / "nope.md")]) == 2
    assert "no such file" in capsys.readouterr().err


# -- enrichment from recorded look-ups -------------------------------------------------------------


def write_findings(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "found.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_enrich_adds_ids_and_authors_with_their_page(data, tmp_path):
    work = run_import(LISTS / "dump.txt", data).created[0]
    findings = read_findings(write_findings(tmp_path, [{
        "id": work, "title_found": "A Search-Only Paper About World Models",
        "arxiv": "2401.01234", "authors": ["Ada Lovelace", "Grace Hopper"],
        "authors_complete": True, "venue": "Demo Conference 2024 (DC)",
        "evidence_url": "https://arxiv.org/abs/2401.01234"}]))
    result = apply_findings(data, findings)
    assert result.updated == [work]
    enriched = paper(data, work)
    assert enriched["arxiv"] == "2401.01234" and enriched["date"] == "2024-01"
    assert enriched["authors"] == ["ada-lovelace", "grace-hopper"]  # one existing, one new
    assert "https://arxiv.org/abs/2401.01234" in enriched["provenance"]["authors"]
    assert enriched["venue"] == "demo-conf"
    people = yaml.safe_load((data / "people.yaml").read_text(encoding="utf-8"))
    assert {"id": "grace-hopper", "name": "Grace Hopper"} in people
    assert "Drafted by" not in (data / "papers" / f"{work}.yaml").read_text(encoding="utf-8")


def test_enrich_corrects_a_link_to_the_wrong_paper(data, tmp_path):
    run_import(LISTS / "awesome.md", data)
    apply_findings(data, read_findings(write_findings(tmp_path, [{
        "id": "graspnet-rl", "title_found": "GraspNet-RL: Learning to Grasp", "arxiv": "2504.09999",
        "authors": ["Ada Lovelace"], "authors_complete": True,
        "evidence_url": "https://arxiv.org/abs/2504.09999"}])))
    grasp = paper(data, "graspnet-rl")
    assert grasp["arxiv"] == "2504.09999" and grasp["date"] == "2025-04"
    assert grasp["url"] == "https://arxiv.org/abs/2504.09999"
    fix = next(c for c in grasp["corrections"] if c["field"] == "arxiv")
    assert fix["as_written"] == "2505.00002" and "different paper" in fix["reason"]


def test_enrich_refuses_guesses_and_bad_lines(data, tmp_path):
    work = run_import(LISTS / "dump.txt", data).created[0]
    result = apply_findings(data, read_findings(write_findings(tmp_path, [
        {"id": work, "title_found": "A Different Paper Entirely", "arxiv": "2401.01234"},
        {"id": "no-such-work", "arxiv": "2401.01234"},
        {"id": work, "authors": ["Ada Lovelace"], "authors_complete": False},
    ])))
    assert {why.split(":")[0] for _, why in result.skipped} >= {
        "no such work in data/papers", "authors"}
    assert "arxiv" not in paper(data, work)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n{"id": "y", "arxiv": "arXiv:2401.1"}\n', encoding="utf-8")
    with pytest.raises(FindingsError, match=r"bad.jsonl:2: arxiv"):
        read_findings(bad)


# -- the quality report ----------------------------------------------------------------------------


def test_report_lists_defects_coverage_and_shared_works(data, tmp_path):
    run_import(LISTS / "awesome.md", data)
    run_import(LISTS / "dump.txt", data)
    settings = Settings().with_(data_dir=data, build_dir=tmp_path / "build")
    report = gather(settings, LISTS)
    kinds = {d.kind for d in report.defects}
    assert {"arxiv-id-shared", "duplicate-in-list", "malformed-url", "scraping-debris",
            "date-contradicts-arxiv-id", "link-copied-from-another-entry",
            "unidentified-entry", "damaged-encoding"} <= kinds
    assert ("works", 10, 10) in report.coverage or report.coverage[0][0] == "works"
    shared = {w for w, _, _ in report.shared}
    assert "demo-paper" in shared  # listed in demo-list, awesome-demo and dump-demo
    text = markdown(report)
    assert "| awesome.md | 32 | malformed-url |" in text
    triples = rdf(report, settings.base_iri)
    parsed = list(ox.parse(ox.serialize(triples, format=ox.RdfFormat.TURTLE),
                           format=ox.RdfFormat.TURTLE))
    assert len(parsed) == len(triples)


# -- links from titles and abstracts ---------------------------------------------------------------


def test_link_finds_named_testbeds_methods_and_models_with_their_sentence(data, tmp_path,
                                                                         monkeypatch, capsys):
    from kg.importer.mentions import link_works

    survey = data / "papers" / "demo-survey.yaml"
    survey.write_text(survey.read_text(encoding="utf-8") + (
        "abstract: We review agents trained with PPO. Most are evaluated on MuJoCo tasks.\n"
        "  Some score rewards with CLIP. Others use DC, an acronym two records share.\n"),
        encoding="utf-8")
    listing_gives = "gives: [title, authors, date]"
    survey.write_text(survey.read_text(encoding="utf-8").replace(
        listing_gives, "gives: [title, authors, date, abstract]"), encoding="utf-8")
    # "DC" is the acronym of the venue and, here, also an alternative label of a benchmark.
    envs = data / "environments.yaml"
    envs.write_text(envs.read_text(encoding="utf-8").replace(
        "  kind: benchmark\n", "  kind: benchmark\n  alt_labels: [DemoC]\n"), encoding="utf-8")
    methods = data / "methods.yaml"
    methods.write_text(methods.read_text(encoding="utf-8") + "- id: democ\n  label: DemoC\n",
                       encoding="utf-8")
    survey.write_text(survey.read_text(encoding="utf-8").replace("use DC,", "use DemoC,"),
                      encoding="utf-8")

    result = link_works(data)
    added = {(w, f, t, how) for w, f, t, how in result.added}
    assert ("demo-survey", "evaluated_on", "mujoco", "abstract") in added
    assert ("demo-survey", "uses_methods", "ppo", "abstract") in added
    assert ("demo-survey", "models", "clip", "abstract") in added
    assert [(w, name) for w, name, _, _ in result.ambiguous] == [("demo-survey", "DemoC")]
    linked = paper(data, "demo-survey")
    mujoco = next(i for i in linked["evaluated_on"] if i["id"] == "mujoco")
    assert mujoco == {"id": "mujoco", "evidence": "Most are evaluated on MuJoCo tasks.",
                      "derived": "abstract"}
    assert {"model": "clip", "role": "unspecified", "evidence": "Some score rewards with CLIP.",
            "derived": "abstract"} in linked["models"]
    # Idempotent, and the linked data still builds into valid RDF.
    before = snapshot(data)
    assert not link_works(data).added and snapshot(data) == before
    sources = data / "sources.yaml"  # nothing was imported, so the demo list has no scheme yet
    sources.write_text(sources.read_text(encoding="utf-8").replace("  scheme: awesome-demo\n", ""),
                       encoding="utf-8")
    monkeypatch.setenv("VRLKG_DATA_DIR", str(data))
    monkeypatch.setenv("VRLKG_BUILD_DIR", str(tmp_path / "build"))
    assert main(["validate", "--quiet"]) == 0, capsys.readouterr()


def test_link_gives_listed_links_the_line_of_the_list(data, tmp_path):
    from kg.importer.mentions import link_works

    lists = tmp_path / "seeds"
    lists.mkdir()
    (lists / "demo.md").write_text(
        "## Visual RL\n\n- [DemoRL: Rewards from Pixels](https://arxiv.org/abs/2310.12345)\n"
        "  - Ada Lovelace, Alan Turing\n  - ExpEnv: [DeepMind Control Suite](https://x.org)\n",
        encoding="utf-8")
    demo = data / "papers" / "demo-paper.yaml"
    demo.write_text(demo.read_text(encoding="utf-8").replace("    line: 4\n    categories",
                                                             "    line: 3\n    categories"),
                    encoding="utf-8")
    result = link_works(data, lists)
    assert result.listed_evidence == [("demo-paper", "dm-control")]
    item = paper(data, "demo-paper")["evaluated_on"][0]
    assert item == {"id": "dm-control", "evidence": "ExpEnv: DeepMind Control Suite",
                    "derived": "listed"}
