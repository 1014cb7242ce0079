"""Benchmark: our endpoint against `oxigraph serve` and rdflib-endpoint on the same data.

    python -m bench.run --graph synth --triples 500000      # synthetic graph (bench.synth)
    python -m bench.run --graph real                        # a fresh `vrlkg build` of data/

For the chosen graph it builds our store (kg.store.write_store, or `vrlkg build` for the real
graph, timed), starts each server in turn on a loopback port, checks that every server returns
the same results for every query of the mix (rows compared as multisets, graphs as sets of
triples), then runs each query with wrk at concurrency 1 and 8 and reports requests/s, p50, p99,
the server's peak resident memory (psutil, whole process tree), load and start-up time, and the
ratios to `oxigraph serve`. Markdown goes to stdout and, with --out, to a file; raw figures to
--json. Needs `wrk` (Debian package) and the `test` extra (oxigraph, rdflib-endpoint, psutil).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psutil
import pyoxigraph as ox

from bench import synth
from kg.store import SNAPSHOT, write_store

REPO = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "wrk_post.lua"
PY = sys.executable
SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples"

PREFIXES = """PREFIX vrlkg: <https://w3id.org/vrlkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""


@dataclass
class Query:
    name: str
    text: str
    graph: bool = False  # CONSTRUCT / DESCRIBE
    heavy: bool = False  # engine-bound: counts for the "30x rdflib-endpoint" target


def query_mix(kind: str) -> list[Query]:
    """The competency queries (adapted where they name an entity) and the synthetic probes."""
    base = "https://w3id.org/vrlkg/"
    if kind == "real":
        person, paper, env = "person/sergey-levine", "paper/eureka", "environment/dm-control"
        words = "reward"
    else:
        person, paper, env = "person/p0", "paper/paper77", "environment/env1"
        words = "world model"
    mix = []
    for name in (
        "dmc-evaluations",
        "llm-vlm-as-reward",
        "works-per-category",
        "coauthors",
        "works-in-several-sources",
        "models-by-role",
        "corrections",
    ):
        text = (REPO / "queries" / f"{name}.rq").read_text()
        text = text.replace(f"{base}person/sergey-levine", base + person)
        mix.append(Query(name, text, heavy=True))
    mix += [
        Query("point-lookup", f"SELECT ?p ?o WHERE {{ <{base}{paper}> ?p ?o }}"),
        Query("describe-paper", f"DESCRIBE <{base}{paper}>", graph=True),
        Query(
            "construct-paper",
            f"CONSTRUCT {{ <{base}{paper}> ?p ?o }} WHERE {{ <{base}{paper}> ?p ?o }}",
            graph=True,
        ),
        Query(
            "title-search",
            PREFIXES + "SELECT ?paper ?title WHERE { ?paper dcterms:title ?title "
            f'FILTER(REGEX(?title, "{words}", "i")) }}',
            heavy=True,
        ),
        Query(
            "group-by-count",
            PREFIXES + "SELECT ?env (COUNT(?paper) AS ?papers) WHERE { ?paper vrlkg:evaluatedOn "
            "?env } GROUP BY ?env ORDER BY DESC(?papers)",
            heavy=True,
        ),
        Query(
            "two-hop-join",
            PREFIXES + f"SELECT ?title ?name WHERE {{ ?paper vrlkg:evaluatedOn <{base}{env}> ; "
            "dcterms:title ?title ; dcterms:creator ?author . ?author foaf:name ?name }",
            heavy=True,
        ),
    ]
    return mix


# ---- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One server process on loopback, its query URL, and its process tree's peak memory."""

    name: str
    url: str

    def __init__(self, name: str, command: list[str], url: str, env: dict[str, str] | None = None):
        self.name = name
        self.url = url
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            command, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
            cwd=REPO,
        )
        self.peak_rss = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(self.proc.pid)
                total = root.memory_info().rss
                for child in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
                self.peak_rss = max(self.peak_rss, total)
            self._stop.wait(0.1)

    def wait_answer(self, timeout: float = 600) -> float:
        """Seconds from the start of the process to its first answer to a query."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{self.name} exited:\n{self.log.read().decode()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                response = httpx.post(self.url, data={"query": "ASK { ?s ?p ?o }"}, timeout=5)
                if response.status_code == 200:
                    return time.perf_counter() - self.started
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s")

    def cpu_idle(self, timeout: float = 120) -> None:
        """Wait until the server tree has stopped working on requests left over from wrk."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(psutil.Error):
                procs = [psutil.Process(self.proc.pid)]
                procs += procs[0].children(recursive=True)
                before = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
                time.sleep(0.3)
                after = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
                if after - before < 0.05:
                    return

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def start_ours(name: str, store: Path, env: dict[str, str]) -> tuple[Server, dict[str, float]]:
    port = free_port()
    command = [PY, "-m", "server", "--port", str(port), "--store", str(store)]
    server = Server(name, command, f"http://127.0.0.1:{port}/sparql", env)
    return server, {"start_to_first_answer_s": server.wait_answer()}


def start_oxigraph(dataset: Path) -> tuple[Server, dict[str, float]]:
    port = free_port()
    binary = shutil.which("oxigraph") or str(Path(PY).parent / "oxigraph")
    server = Server(
        "oxigraph serve", [binary, "serve", "--bind", f"127.0.0.1:{port}"],
        f"http://127.0.0.1:{port}/query",
    )
    for _ in range(500):
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
            break
        time.sleep(0.02)
    start = time.perf_counter()
    with dataset.open("rb") as body:
        response = httpx.post(
            f"http://127.0.0.1:{port}/store",
            content=body.read(),
            headers={"Content-Type": "application/n-quads"},
            timeout=600,
        )
    response.raise_for_status()
    load = time.perf_counter() - start
    return server, {"load_s": load, "start_to_first_answer_s": server.wait_answer()}


def start_rdflib(dataset: Path) -> tuple[Server, dict[str, float]]:
    port = free_port()
    server = Server(
        "rdflib-endpoint",
        [PY, "-m", "bench.rdflib_server", str(dataset), str(port)],
        f"http://127.0.0.1:{port}/sparql",
    )
    return server, {"start_to_first_answer_s": server.wait_answer(900)}


# ---- results: comparison -------------------------------------------------------------------------

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _term(binding: dict) -> str:
    kind = binding["type"]
    value = binding["value"]
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return "_:b"
    if " | " in value:  # GROUP_CONCAT: the order of the parts is not defined
        value = " | ".join(sorted(value.split(" | ")))
    if "xml:lang" in binding:
        return f'"{value}"@{binding["xml:lang"].lower()}'
    datatype = binding.get("datatype")
    return f'"{value}"' + (f"^^<{datatype}>" if datatype and datatype != XSD_STRING else "")


def canonical(body: bytes, graph: bool, content_type: str = GRAPH_ACCEPT) -> list:
    if graph:
        fmt = ox.RdfFormat.from_media_type(content_type.split(";")[0].strip())
        triples = ox.parse(body, format=fmt or ox.RdfFormat.N_TRIPLES)
        return sorted({str(t) for t in triples})
    data = json.loads(body)
    if "boolean" in data:
        return [data["boolean"]]
    variables = data["head"]["vars"]
    rows = []
    for row in data["results"]["bindings"]:
        rows.append(tuple(_term(row[v]) if v in row else "" for v in variables))
    return sorted(rows)


def fetch(server: Server, query: Query) -> list:
    response = httpx.post(
        server.url,
        data={"query": query.text},
        headers={"Accept": GRAPH_ACCEPT if query.graph else SELECT_ACCEPT},
        timeout=300,
    )
    if response.status_code != 200:
        raise RuntimeError(f"{server.name} {query.name}: {response.status_code} {response.text}")
    try:
        return canonical(response.content, query.graph, response.headers.get("content-type", ""))
    except (SyntaxError, ValueError, KeyError) as error:
        raise RuntimeError(f"{server.name} {query.name}: unreadable result: {error}") from None


# ---- load ---------------------------------------------------------------------------------


@dataclass
class Cell:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def run_wrk(url: str, query: Query, connections: int, seconds: float) -> Cell:
    with tempfile.NamedTemporaryFile("w", suffix=".form", delete=False) as body:
        body.write(urlencode({"query": query.text}))
    env = {
        **os.environ,
        "WRK_BODY_FILE": body.name,
        "WRK_ACCEPT": GRAPH_ACCEPT if query.graph else SELECT_ACCEPT,
    }
    threads = 2 if connections > 1 else 1
    command = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
        "--timeout", "60s", "-s", str(LUA), url,
    ]
    try:
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    finally:
        os.unlink(body.name)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    data = json.loads(line[len("RESULT ") :])
    duration = data["duration_us"] / 1e6
    errors = data["status_errors"] + data["connect_errors"] + data["read_errors"]
    errors += data["timeouts"]
    return Cell(
        rps=data["requests"] / duration,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        requests=data["requests"],
    )


@dataclass
class ServerRun:
    name: str
    times: dict[str, float]
    cells: dict[tuple[str, int], Cell] = field(default_factory=dict)
    differs: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0


def measure(
    server: Server,
    times: dict[str, float],
    mix: list[Query],
    reference: dict[str, list] | None,
    seconds: float,
    slow_single: bool = False,
) -> tuple[ServerRun, dict[str, list]]:
    run = ServerRun(server.name, times)
    answers: dict[str, list] = {}
    skip = set()
    single: dict[str, float] = {}
    for query in mix:
        try:
            start = time.perf_counter()
            answers[query.name] = fetch(server, query)
            single[query.name] = time.perf_counter() - start
        except (RuntimeError, httpx.HTTPError) as error:
            print(f"  {server.name}: {query.name} failed: {error}", file=sys.stderr, flush=True)
            run.differs.append(f"{query.name} (failed)")
            skip.add(query.name)
            continue
        if reference is not None and answers[query.name] != reference[query.name]:
            run.differs.append(query.name)
            skip.add(query.name)
    for query in mix:
        if query.name in skip:
            continue
        if slow_single and single[query.name] > 0.5:
            # Too slow for wrk to count in a few seconds: one request, timed, stands for both
            # concurrencies. A GIL-bound server gains nothing from concurrency, so this flatters
            # it (at concurrency 8 queued requests only add waiting).
            seconds_per = single[query.name]
            cell = Cell(1 / seconds_per, seconds_per * 1000, seconds_per * 1000, 0, 1)
            run.cells[(query.name, 1)] = run.cells[(query.name, 8)] = cell
            continue
        for connections in (1, 8):
            duration = seconds
            if connections == 8:
                # Long enough for each of the 8 connections to complete a few requests.
                c1 = run.cells[(query.name, 1)].rps
                duration = max(seconds, min(40.0, 3 * 8 / max(c1, 0.1)))
            cell = run_wrk(server.url, query, connections, duration)
            run.cells[(query.name, connections)] = cell
            server.cpu_idle()
        print(f"  {server.name}: {query.name} done", file=sys.stderr, flush=True)
    run.peak_rss_mb = server.peak_rss / (1 << 20)
    return run, answers


# ---- report ------------------------------------------------------------------------------------


def geomean(values: list[float]) -> float:
    values = [v for v in values if v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def report(title: str, facts: list[str], runs: list[ServerRun], mix: list[Query]) -> str:
    oxigraph = next(r for r in runs if r.name == "oxigraph serve")
    lines = [f"### {title}", ""]
    lines += [f"- {fact}" for fact in facts]
    lines += [
        "",
        "| server | load s | start to 1st answer s | peak RSS MiB | differs |",
        "|---|---|---|---|---|",
    ]
    for r in runs:
        load = f"{r.times['load_s']:.2f}" if "load_s" in r.times else ""
        lines.append(
            f"| {r.name} | {load} | {r.times.get('start_to_first_answer_s', 0):.2f} | "
            f"{r.peak_rss_mb:.0f} | {', '.join(r.differs) or 'none'} |"
        )
    lines += ["", "Requests/s at concurrency 1 / 8; p50 / p99 latency in ms at concurrency 8:", ""]
    header = "| query | " + " | ".join(r.name for r in runs) + " |"
    lines += [header, "|---" * (len(runs) + 1) + "|"]
    for q in mix:
        row = [q.name + (" (heavy)" if q.heavy else "")]
        for r in runs:
            c1, c8 = r.cells.get((q.name, 1)), r.cells.get((q.name, 8))
            if c1 is None or c8 is None:
                row.append("differs" if q.name in r.differs else "n/a")
                continue
            errors = f" ({c1.errors + c8.errors} errors)" if c1.errors + c8.errors else ""
            row.append(
                f"{c1.rps:,.1f} / {c8.rps:,.1f}; {c8.p50_ms:.1f} / {c8.p99_ms:.1f}{errors}"
            )
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "Ratios to `oxigraph serve` at concurrency 8 (throughput: higher is better; "
              "p99: lower is better):", ""]
    lines += [
        "| server | geomean throughput ratio | worst query | geomean p99 ratio | worst p99 ratio "
        "| heavy queries: geomean speed-up over rdflib-endpoint |",
        "|---|---|---|---|---|---|",
    ]
    rdflib = next((r for r in runs if r.name == "rdflib-endpoint"), None)
    for r in runs:
        ratios, p99s = {}, {}
        for q in mix:
            mine, theirs = r.cells.get((q.name, 8)), oxigraph.cells.get((q.name, 8))
            if mine and theirs and theirs.rps > 0:
                ratios[q.name] = mine.rps / theirs.rps
                p99s[q.name] = mine.p99_ms / max(theirs.p99_ms, 0.001)
        worst = min(ratios, key=ratios.get) if ratios else ""
        speedups = []
        if rdflib is not None:
            for q in mix:
                mine, slow = r.cells.get((q.name, 8)), rdflib.cells.get((q.name, 8))
                if q.heavy and mine and slow and slow.rps > 0:
                    speedups.append(mine.rps / slow.rps)
        lines.append(
            f"| {r.name} | {geomean(list(ratios.values())):.2f} | "
            f"{worst} {ratios.get(worst, float('nan')):.2f} | {geomean(list(p99s.values())):.2f} | "
            f"{max(p99s.values(), default=float('nan')):.2f} | "
            f"{geomean(speedups):.1f} |"
        )
    return "\n".join(lines) + "\n"


# ---- main --------------------------------------------------------------------------------------


OURS_VARIANTS = {
    # name: environment of `python -m server`; every safety feature stays on in all of them.
    "ours": {"VRLKG_CACHE_MB": "0"},
    "ours + cache": {"VRLKG_CACHE_MB": "64"},
    "ours 2 web processes": {"VRLKG_CACHE_MB": "0", "VRLKG_WEB_PROCESSES": "2"},
}


def prepare(args: argparse.Namespace, work: Path) -> tuple[Path, Path, list[str]]:
    """Our store directory, the N-Quads dataset for the other servers, and facts to report."""
    facts = []
    if args.graph == "real":
        build_dir = work / "build"
        start = time.perf_counter()
        subprocess.run(
            [PY, "-m", "kg.cli", "build"],
            env={**os.environ, "VRLKG_BUILD_DIR": str(build_dir)},
            check=True, cwd=REPO, capture_output=True,
        )
        facts.append(f"full build of the real graph (`vrlkg build`): "
                     f"{time.perf_counter() - start:.2f} s")
        store = (build_dir / "store").resolve()
    else:
        start = time.perf_counter()
        quads = synth.generate(args.triples, args.seed)
        facts.append(f"generated {len(quads)} quads (seed {args.seed}) in "
                     f"{time.perf_counter() - start:.1f} s")
        store = work / "store"
        start = time.perf_counter()
        write_store(quads, store)
        facts.append(f"our store written (kg.store.write_store) in "
                     f"{time.perf_counter() - start:.1f} s")
    dataset = store / SNAPSHOT
    count = sum(1 for _ in dataset.open("rb"))
    facts.append(f"{count} quads served (named graphs plus their merge as the default graph)")
    return store, dataset, facts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", choices=("synth", "real"), default="synth")
    parser.add_argument("--triples", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3.0, help="per wrk run")
    parser.add_argument("--ours", default=",".join(OURS_VARIANTS), help="variants to run")
    parser.add_argument("--no-rdflib", action="store_true")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    mix = query_mix(args.graph)
    with tempfile.TemporaryDirectory(prefix="vrlkg-bench-") as tmp:
        store, dataset, facts = prepare(args, Path(tmp))
        runs: list[ServerRun] = []
        reference: dict[str, list] | None = None
        starters = [
            (name, lambda env=OURS_VARIANTS[name], name=name: start_ours(name, store, env))
            for name in args.ours.split(",") if name
        ]
        starters.append(("oxigraph serve", lambda: start_oxigraph(dataset)))
        if not args.no_rdflib:
            starters.append(("rdflib-endpoint", lambda: start_rdflib(dataset)))
        for name, start in starters:
            print(f"starting {name}", file=sys.stderr, flush=True)
            server, times = start()
            try:
                run, answers = measure(
                    server, times, mix, reference, args.seconds,
                    slow_single=name == "rdflib-endpoint",
                )
            finally:
                server.stop()
            if reference is None:
                reference = answers
            runs.append(run)
        title = (f"Real graph ({args.graph})" if args.graph == "real"
                 else f"Synthetic graph, {args.triples:,} triples")
        command = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
        facts.insert(0, f"command: `{command}`")
        text = report(title, facts, runs, mix)
    print(text)
    if args.out:
        args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps(
            [{"name": r.name, "times": r.times, "peak_rss_mb": r.peak_rss_mb,
              "differs": r.differs,
              "cells": {f"{q}@{c}": vars(cell) for (q, c), cell in r.cells.items()}}
             for r in runs], indent=1))


if __name__ == "__main__":
    main()
