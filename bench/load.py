"""Load and fault test: a mixed workload against our endpoint on loopback, bounded in time.

    python -m bench.load --seconds 60 --concurrency 32

Starts `python -m server` on a synthetic store (bench.synth) with a short time limit and a memory
limit, then runs `concurrency` clients for `seconds`, each sending a random mix: cheap lookups of
random papers (so the cache does not answer them), searches, aggregates, DESCRIBE and CONSTRUCT in
every format, queries that run past the time limit or the memory limit, oversized results,
malformed queries and SERVICE calls. It checks that

- no answer is a 5xx other than the documented limit answers (503 busy, 504 time limit, 507 too
  large), and no request fails at the transport level or hangs past the time limit + 5 s;
- every body parses as its Content-Type says (JSON, XML, CSV, TSV, Turtle, N-Triples, JSON-LD,
  RDF/XML; plain-text errors without a stack trace or a file path);
- the server's process tree stays within a memory bound (peak RSS reported).

Exit status 0 when all holds. tests/test_server_load.py runs a short version of it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import random
import re
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pyoxigraph as ox

BASE = "https://w3id.org/vrlkg/"
PREFIXES = (
    "PREFIX vrlkg: <https://w3id.org/vrlkg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/> "
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
)
RESULT_ACCEPTS = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_ACCEPTS = (
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
)
DOCUMENTED_5XX = {503, 504, 507}
# A stack trace or an absolute file path in a body.
LEAK = re.compile(
    r"Traceback \(most recent call last\)|(?<![\w:/.<-])/(?:home|root|tmp|usr|work|var|opt)/"
)


def runaway() -> str:
    # A three-way cross product sorted: 1e15+ rows, runs far past any time limit and grows fast.
    return "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"


def workload(rng: random.Random, papers: int) -> tuple[str, str, dict[str, str], str]:
    """(name, method, params, accept) of one request."""
    paper = f"<{BASE}paper/paper{rng.randrange(papers)}>"
    roll = rng.random()
    if roll < 0.40:
        name, query = "lookup", f"SELECT ?p ?o WHERE {{ {paper} ?p ?o }}"
        accept = rng.choice(RESULT_ACCEPTS)
    elif roll < 0.55:
        name = "describe"
        query = rng.choice(
            (f"DESCRIBE {paper}", f"CONSTRUCT {{ {paper} ?p ?o }} WHERE {{ {paper} ?p ?o }}")
        )
        accept = rng.choice(GRAPH_ACCEPTS)
    elif roll < 0.65:
        name = "search"
        word = rng.choice(("vision", "reward", "robot", "world model", "policy"))
        query = (PREFIXES + "SELECT ?p ?t WHERE { ?p dcterms:title ?t "
                 f'FILTER(REGEX(?t, "{word}", "i")) }} LIMIT {rng.randint(5, 500)}')
        accept = rng.choice(RESULT_ACCEPTS)
    elif roll < 0.75:
        name = "aggregate"
        query = PREFIXES + (
            "SELECT ?env (COUNT(?p) AS ?n) WHERE { ?p vrlkg:evaluatedOn ?env } "
            f"GROUP BY ?env ORDER BY DESC(?n) LIMIT {rng.randint(1, 50)}"
        )
        accept = rng.choice(RESULT_ACCEPTS)
    elif roll < 0.80:
        name, query, accept = "runaway", runaway(), RESULT_ACCEPTS[0]
    elif roll < 0.85:
        name, query, accept = "too-large", "SELECT * WHERE { ?s ?p ?o }", rng.choice(RESULT_ACCEPTS)
    elif roll < 0.90:
        name = "malformed"
        query = rng.choice(("SELECT * WHERE { ?s ?p }", "SELEC ?x", "ASK { FILTER( }", "}{"))
        accept = RESULT_ACCEPTS[0]
    elif roll < 0.95:
        name = "service"
        query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
        accept = RESULT_ACCEPTS[0]
    else:
        name, query, accept = "ask", f"ASK {{ {paper} ?p ?o }}", rng.choice(RESULT_ACCEPTS)
    method = "GET" if rng.random() < 0.3 else "POST"
    return name, method, {"query": query}, accept


def check_body(content_type: str, body: bytes) -> str | None:
    """None if the body is well-formed for its content type, else what is wrong."""
    media = content_type.split(";")[0].strip().lower()
    try:
        if media in ("application/sparql-results+json", "application/json"):
            json.loads(body)
        elif media == "application/ld+json":
            json.loads(body)
            list(ox.parse(body, format=ox.RdfFormat.JSON_LD))
        elif media in ("application/sparql-results+xml", "application/xml"):
            ET.fromstring(body)
        elif media == "text/csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
            if not rows:
                return "empty CSV"
        elif media == "text/tab-separated-values":
            lines = body.decode("utf-8").split("\n")
            width = len(lines[0].split("\t"))
            if any(line and len(line.split("\t")) != width for line in lines[1:]):
                return "ragged TSV"
        elif media == "text/turtle":
            list(ox.parse(body, format=ox.RdfFormat.TURTLE))
        elif media == "application/n-triples":
            list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        elif media == "application/rdf+xml":
            list(ox.parse(body, format=ox.RdfFormat.RDF_XML))
        elif media == "text/plain":
            text = body.decode("utf-8")
            if not text.strip():
                return "empty error message"
            if LEAK.search(text):
                return f"stack trace or file path in: {text[:200]!r}"
        else:
            return f"unexpected content type {content_type!r}"
    except (ValueError, SyntaxError, ET.ParseError, UnicodeDecodeError, csv.Error) as error:
        return f"{media} does not parse: {error}"
    return None


@dataclass
class Outcome:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_kind: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    slowest_s: float = 0.0
    peak_rss_mb: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.by_kind.items()))
        lines = [
            f"requests: {self.requests}; statuses: {statuses}",
            f"mix: {kinds}",
            f"slowest answer: {self.slowest_s:.2f} s; server peak RSS: {self.peak_rss_mb:.0f} MiB",
            f"problems: {len(self.problems)}",
            *[f"  {p}" for p in self.problems[:20]],
        ]
        return "\n".join(lines)


class RssSampler:
    def __init__(self, pid: int):
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(self.pid)
                total = root.memory_info().rss
                for child in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
                self.peak = max(self.peak, total)
            self._stop.wait(0.05)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join(2)
        return self.peak / (1 << 20)


async def drive(
    url: str, seconds: float, concurrency: int, papers: int, time_limit: float, seed: int = 1
) -> Outcome:
    outcome = Outcome()
    end = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=time_limit + 5, limits=limits) as client:

        async def client_loop(n: int) -> None:
            rng = random.Random(seed * 1000 + n)
            while time.monotonic() < end:
                kind, method, params, accept = workload(rng, papers)
                headers = {"Accept": accept}
                start = time.monotonic()
                try:
                    if method == "GET":
                        response = await client.get(url, params=params, headers=headers)
                    else:
                        response = await client.post(url, data=params, headers=headers)
                except httpx.HTTPError as error:
                    outcome.problems.append(f"{kind}: transport error {error!r}")
                    continue
                elapsed = time.monotonic() - start
                outcome.slowest_s = max(outcome.slowest_s, elapsed)
                outcome.requests += 1
                outcome.by_kind[kind] += 1
                status = response.status_code
                outcome.statuses[status] += 1
                if status >= 500 and status not in DOCUMENTED_5XX:
                    outcome.problems.append(f"{kind}: {status} {response.text[:200]!r}")
                if status == 503 and "retry-after" not in response.headers:
                    outcome.problems.append(f"{kind}: 503 without Retry-After")
                if elapsed > time_limit + 5:
                    outcome.problems.append(f"{kind}: answered after {elapsed:.1f} s")
                problem = check_body(response.headers.get("content-type", ""), response.content)
                if problem:
                    outcome.problems.append(f"{kind} ({accept}) -> {status}: {problem}")

        await asyncio.gather(*(client_loop(n) for n in range(concurrency)))
    return outcome


def synthetic_store(folder: Path, triples: int) -> int:
    """Write a synthetic store; return how many papers it has."""
    from bench import synth
    from kg.store import write_store

    quads = synth.generate(triples, seed=7)
    write_store(quads, folder)
    return max(10, int(triples / synth.TRIPLES_PER_PAPER))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--triples", type=int, default=50_000)
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--memory-mb", type=int, default=512)
    parser.add_argument("--max-rss-mb", type=int, default=2048, help="fail above this peak")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.conftest_server import ServerProcess

    with tempfile.TemporaryDirectory(prefix="vrlkg-load-") as tmp:
        papers = synthetic_store(Path(tmp) / "store", args.triples)
        env = {
            "VRLKG_QUERY_TIMEOUT": str(args.time_limit),
            "VRLKG_QUERY_MEMORY_MB": str(args.memory_mb),
            "VRLKG_MAX_RESULT_MB": "1",
        }
        with ServerProcess(store=Path(tmp) / "store", env=env) as server:
            sampler = RssSampler(server.pid)
            outcome = asyncio.run(
                drive(server.endpoint, args.seconds, args.concurrency, papers, args.time_limit)
            )
            outcome.peak_rss_mb = sampler.stop()
            if outcome.peak_rss_mb > args.max_rss_mb:
                outcome.problems.append(f"peak RSS {outcome.peak_rss_mb:.0f} MiB")
            # Still answering after the storm.
            after = server.client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
            if after.status_code != 200:
                outcome.problems.append(f"after the run: {after.status_code}")
    print(f"{args.seconds:g} s at concurrency {args.concurrency}, "
          f"time limit {args.time_limit:g} s, memory limit {args.memory_mb} MiB per worker, "
          f"{args.triples} triples")
    print(outcome.summary())
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
