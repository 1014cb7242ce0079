"""The `vrlkg` command line.

Exit codes:
  0  success
  1  the data is invalid (YAML, references, SHACL or quality checks); nothing was built
  2  wrong usage (unknown command, bad option)
  3  the SPARQL query is invalid or failed
  4  there is no built graph to query or export (run `vrlkg build`)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from kg import namespaces as ns
from kg.build import ValidationFailed, build, current_build, is_stale, make_graph
from kg.errors import DataErrors
from kg.query import QueryFailed, format_results, run_query
from kg.settings import Settings

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_QUERY, EXIT_NO_GRAPH = 0, 1, 2, 3, 4

EXPORT_FORMATS: dict[str, ox.RdfFormat] = {
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def _progress(quiet: bool):  # type: ignore[no-untyped-def]
    start = time.perf_counter()

    def report(message: str) -> None:
        if not quiet:
            print(f"[{time.perf_counter() - start:6.2f} s] {message}", file=sys.stderr, flush=True)

    return report


def _report_data_errors(exc: DataErrors) -> int:
    for error in exc.errors:
        print(error, file=sys.stderr)
    print(f"{len(exc.errors)} error(s) in the data; nothing was built.", file=sys.stderr)
    return EXIT_INVALID


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    try:
        result = build(settings, _progress(args.quiet))
    except DataErrors as exc:
        return _report_data_errors(exc)
    except ValidationFailed as exc:
        for finding in exc.report.violations:
            print(finding, file=sys.stderr)
        print(
            f"{exc}; the full report is in {exc.report_path}. The previous build (if any) is "
            "still served.",
            file=sys.stderr,
        )
        return EXIT_INVALID
    for finding in result.report.warnings:
        print(finding, file=sys.stderr)
    print(
        f"{result.quads} quads, {len(result.report.warnings)} warning(s); "
        f"outputs in {settings.build_dir}"
    )
    return EXIT_OK


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    try:
        _quads, report = make_graph(settings, _progress(args.quiet))
    except DataErrors as exc:
        return _report_data_errors(exc)
    sys.stdout.write(report.text())
    return EXIT_OK if report.conforms else EXIT_INVALID


def _store_path(args: argparse.Namespace, settings: Settings) -> Path | None:
    if getattr(args, "store", None):
        return Path(args.store)
    current = current_build(settings)
    return current / "store" if current else None


def cmd_query(args: argparse.Namespace, settings: Settings) -> int:
    if args.file:
        query = Path(args.file).read_text(encoding="utf-8")
    elif args.query:
        query = args.query
    else:
        print("give a query as an argument or with --file", file=sys.stderr)
        return EXIT_USAGE
    store_path = _store_path(args, settings)
    if store_path is None or not store_path.exists():
        print("there is no built graph: run `vrlkg build` first", file=sys.stderr)
        return EXIT_NO_GRAPH
    store = ox.Store.read_only(str(store_path))
    try:
        result = run_query(store, query, prefixes=not args.no_prefixes)
    except QueryFailed as exc:
        print(f"query error: {exc}", file=sys.stderr)
        return EXIT_QUERY
    sys.stdout.write(format_results(result, args.format))
    return EXIT_OK


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    store_path = _store_path(args, settings)
    if store_path is None or not store_path.exists():
        print("there is no built graph: run `vrlkg build` first", file=sys.stderr)
        return EXIT_NO_GRAPH
    store = ox.Store.read_only(str(store_path))
    if args.crosswalk:
        return _export_crosswalk(args, settings, store)
    fmt = EXPORT_FORMATS[args.format or "nq"]
    if args.graph:
        graph = ox.NamedNode(
            args.graph if ":" in args.graph else f"{settings.base_iri}graph/{args.graph}"
        )
        if not store.contains_named_graph(graph):
            print(f"no named graph {graph.value} in the store", file=sys.stderr)
            return EXIT_USAGE
        quads = sorted(store.quads_for_pattern(None, None, None, graph), key=str)
    else:
        quads = sorted(store.quads_for_pattern(None, None, None, None), key=str)
    if fmt.supports_datasets:
        data = ox.serialize(quads, format=fmt, prefixes=dict(ns.PREFIXES))
    else:
        triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
        data = ox.serialize(triples, format=fmt, prefixes=dict(ns.PREFIXES))
    assert data is not None
    _write_output(data, args.output, f"{len(quads)} statements")
    return EXIT_OK


def _write_output(data: bytes, output: str | None, what: str) -> None:
    """To the file named by --output, or to standard output."""
    if output:
        Path(output).write_bytes(data)
        print(f"wrote {what} to {output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from kg.importer.run import SourceImportError, run_import

    try:
        result = run_import(Path(args.file), settings.data_dir, args.source, dry_run=args.dry_run)
    except SourceImportError as exc:
        print(f"import: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DataErrors as exc:
        print("the data folder has errors; fix them before importing:", file=sys.stderr)
        return _report_data_errors(exc)
    out = sys.stdout
    counts: dict[str, int] = {}
    for match in result.matches:
        counts[match.status] = counts.get(match.status, 0) + 1
    print(f"{result.file} (source {result.source}): {len(result.matches)} entries; "
          + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())), file=out)
    if result.parsed.repaired_encoding:
        print("  the file's text encoding was damaged (UTF-8 read as Mac Roman) and was repaired",
              file=out)
    for match in result.matches:
        if match.status in {"conflict", "unmatched"}:
            where = f"line {match.entry.line}"
            print(f"  {match.status} at {where}: {match.reason}", file=out)
    for work, name, line in result.differs:
        print(f"  differs at line {line}: {work}.{name} (kept as curated)", file=out)
    if args.verbose:
        for match in result.matches:
            if match.status == "existing":
                print(f"  line {match.entry.line}: matches {match.work} ({match.reason})", file=out)
        for problem in result.problems:
            print(f"  defect at line {problem.line}: {problem.kind}: {problem.message}", file=out)
    else:
        print(f"  {len(result.problems)} defects in the list (--verbose lists them; "
              "`vrlkg report` explains each)", file=out)
    verb = "would write" if args.dry_run else "wrote"
    print(f"{verb} {len(result.created)} new draft(s), added listings to {len(result.listed)} "
          f"work(s), {len(result.unchanged)} unchanged"
          + (", the source's category scheme" if result.scheme_written else "")
          + (f", {len(result.people_added)} new people" if result.people_added else ""), file=out)
    return EXIT_OK


def cmd_enrich(args: argparse.Namespace, settings: Settings) -> int:
    from kg.importer.enrich import FindingsError, apply_findings, read_findings

    try:
        findings = [f for path in args.files for f in read_findings(Path(path))]
    except (FindingsError, OSError) as exc:
        print(f"enrich: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = apply_findings(settings.data_dir, findings)
    except DataErrors as exc:
        print("the data folder has errors; fix them before enriching:", file=sys.stderr)
        return _report_data_errors(exc)
    for work, what in result.corrected:
        print(f"  corrected {work}: {what}")
    for work, why in result.skipped:
        print(f"  skipped {work}: {why}")
    print(f"{len(findings)} findings: updated {len(result.updated)} work(s), "
          f"{len(result.corrected)} correction(s), {len(result.skipped)} skipped, "
          f"{len(result.people_added)} new people")
    return EXIT_OK


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from kg.report import write_report

    seeds = Path(args.seeds) if args.seeds else settings.seeds_dir
    try:
        md, ttl, report = write_report(settings, seeds)
    except DataErrors as exc:
        return _report_data_errors(exc)
    for what, have, of in report.coverage:
        print(f"  {what}: {have} of {of}")
    print(f"{len(report.defects)} defects in the source lists, {len(report.corrections)} "
          f"corrected values, {len(report.shared)} works in more than one source; "
          f"written to {md} and {ttl}")
    if report.missing_sources:
        print("not checked, file not found: " + ", ".join(report.missing_sources), file=sys.stderr)
    return EXIT_OK


def _export_crosswalk(args: argparse.Namespace, settings: Settings, store: ox.Store) -> int:
    from kg.crosswalks import CROSSWALKS
    from kg.crosswalks import run as run_crosswalk

    crosswalk = CROSSWALKS[args.crosswalk]
    options: dict[str, object] = {}
    skipped: list[str] = []
    if crosswalk.name == "source-markdown" and args.graph:
        options["source"] = args.graph
    if crosswalk.name == "wikidata-quickstatements":
        options["skipped"] = skipped
    try:
        result = run_crosswalk(store, settings.queries_dir, crosswalk.name, **options)
    except KeyError as exc:
        print(f"no source {exc} in the graph", file=sys.stderr)
        return EXIT_USAGE
    except (SyntaxError, OSError) as exc:
        print(f"query error: {exc}", file=sys.stderr)
        return EXIT_QUERY
    if isinstance(result, str):
        data = result.encode("utf-8")
    else:
        fmt = EXPORT_FORMATS[args.format or "jsonld"]
        # The crosswalk is a graph: a dataset format stands for its triple-only counterpart.
        fmt = {ox.RdfFormat.N_QUADS: ox.RdfFormat.N_TRIPLES,
               ox.RdfFormat.TRIG: ox.RdfFormat.TURTLE}.get(fmt, fmt)
        data = ox.serialize(result, format=fmt, prefixes={"schema": ns.SCHEMA}) or b""
        if fmt == ox.RdfFormat.JSON_LD:
            # Compacted against schema.org, as schema.org consumers expect it.
            import rdflib

            graph = rdflib.Graph().parse(data=data, format="json-ld")
            context = {"@vocab": ns.SCHEMA, "rdf": ns.RDF}
            data = graph.serialize(format="json-ld", context=context, auto_compact=True,
                                   indent=1).encode("utf-8")
    if skipped:
        print(f"{len(skipped)} work(s) left out: their class has no Wikidata class in the "
              f"ontology ({', '.join(skipped[:5])}{', ...' if len(skipped) > 5 else ''})",
              file=sys.stderr)
    _write_output(data, args.output, f"the {crosswalk.name} crosswalk")
    return EXIT_OK


def cmd_release(args: argparse.Namespace, settings: Settings) -> int:
    from kg.release import ReleaseError, release

    if not args.no_build and is_stale(settings):
        print("the graph is missing or older than its sources: building it first", file=sys.stderr)
        code = cmd_build(argparse.Namespace(quiet=args.quiet), settings)
        if code != EXIT_OK:
            return code
    notes = args.notes
    if args.notes_file:
        notes = Path(args.notes_file).read_text(encoding="utf-8")
    try:
        result = release(
            settings, args.version, notes=notes, previous=args.previous, force=args.force,
            progress=_progress(args.quiet),
        )
    except ReleaseError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    since = f"since {result.previous}" if result.previous else "(first release)"
    print(f"release {args.version} in {result.path}: {result.added} statements added, "
          f"{result.removed} removed {since}")
    return EXIT_OK


def cmd_link(args: argparse.Namespace, settings: Settings) -> int:
    from kg.importer.mentions import link_works

    try:
        result = link_works(settings.data_dir, settings.seeds_dir, dry_run=args.dry_run)
    except DataErrors as exc:
        return _report_data_errors(exc)
    for work, name, who, where in result.ambiguous:
        print(f"  ambiguous in {work} ({where}): {name!r} could be {', '.join(who)}: "
              "resolve by hand")
    if args.verbose:
        for work, field, target, how in result.added:
            print(f"  {work}: {field} += {target} (found in the {how})")
    verb = "would add" if args.dry_run else "added"
    print(f"{verb} {len(result.added)} link(s) with their evidence, the list's line as evidence "
          f"to {len(result.listed_evidence)} listed link(s); {len(result.ambiguous)} ambiguous "
          "mention(s) left for a person")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if not args.no_build and is_stale(settings):
        print("the graph is missing or older than its sources: building it first", file=sys.stderr)
        code = cmd_build(argparse.Namespace(quiet=False), settings)
        if code != EXIT_OK and current_build(settings) is None:
            return code
    if current_build(settings) is None:
        print("there is no built graph to serve: run `vrlkg build`", file=sys.stderr)
        return EXIT_NO_GRAPH
    from server.app import run  # imported here so the other commands start fast

    run(settings, host=args.host, port=args.port)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vrlkg", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="build the graph from data/ and swap it in atomically")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser(
        "validate", help="check the data and print the validation report; writes nothing"
    )
    v.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    v.set_defaults(func=cmd_validate)

    q = sub.add_parser("query", help="run a SPARQL query against the built graph")
    q.add_argument("query", nargs="?", help="the query text")
    q.add_argument("-f", "--file", help="read the query from this file")
    q.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    q.add_argument("--store", help="query this store folder instead of the current build")
    q.add_argument(
        "--no-prefixes", action="store_true", help="do not prepend the standard PREFIX declarations"
    )
    q.set_defaults(func=cmd_query)

    e = sub.add_parser(
        "export",
        help="write the graph (or one named graph) in an RDF format, or a crosswalk",
        description="Without --crosswalk: the graph in an RDF format (default nq). With "
        "--crosswalk NAME: the query queries/exports/NAME's crosswalk: schema-org (JSON-LD by "
        "default), wikidata-quickstatements, bibtex, csl-json, source-markdown (--graph SOURCE "
        "for one source list).",
    )
    e.add_argument("--format", choices=sorted(EXPORT_FORMATS), default=None)
    e.add_argument("--graph", help="only this named graph: a source id, 'curated' or a full IRI")
    e.add_argument(
        "--crosswalk",
        choices=["schema-org", "wikidata-quickstatements", "bibtex", "csl-json",
                 "source-markdown"],
        help="export through a crosswalk query of queries/exports/",
    )
    e.add_argument("-o", "--output", help="write to this file instead of standard output")
    e.add_argument("--store", help="export this store folder instead of the current build")
    e.set_defaults(func=cmd_export)

    i = sub.add_parser("import", help="read a source list; draft new works, list matches")
    i.add_argument("file", help="an awesome list in Markdown or a title/abstract search dump")
    i.add_argument("--source", help="the source id in data/sources.yaml (default: by file name)")
    i.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    i.add_argument("-v", "--verbose", action="store_true", help="list every match and defect")
    i.set_defaults(func=cmd_import)

    n = sub.add_parser("enrich", help="apply recorded look-ups (arXiv id, authors) to the data")
    n.add_argument("files", nargs="+", help="findings files, one JSON object per line")
    n.set_defaults(func=cmd_enrich)

    r = sub.add_parser("report", help="write build/quality.md and .ttl: defects and coverage")
    r.add_argument("--seeds", help="the folder with the source lists (default: ../shared/seeds)")
    r.set_defaults(func=cmd_report)

    r = sub.add_parser(
        "release",
        help="write releases/VERSION/: gzipped dumps, ontology, shapes, VoID, checksums, "
        "changelog and the diff against the previous release",
    )
    r.add_argument("version", help="the version, such as 1.0.0")
    r.add_argument("--notes", help="the changelog entry (default: made from the diff)")
    r.add_argument("--notes-file", help="read the changelog entry from this file")
    r.add_argument("--previous", help="compare with this release (default: the latest older one)")
    r.add_argument("--force", action="store_true", help="replace an existing release VERSION")
    r.add_argument("--no-build", action="store_true", help="release the current build as it is")
    r.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    r.set_defaults(func=cmd_release)

    lk = sub.add_parser("link", help="link works to the testbeds, methods and models they name")
    lk.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    lk.add_argument("-v", "--verbose", action="store_true", help="list every link added")
    lk.set_defaults(func=cmd_link)

    s = sub.add_parser("serve", help="serve the graph over HTTP (builds it first if stale)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--no-build", action="store_true", help="serve the current build as it is")
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return int(args.func(args, settings))


if __name__ == "__main__":
    raise SystemExit(main())
