"""The build: YAML -> RDF -> validation -> files and an Oxigraph store, swapped in atomically.

Layout of the build folder:
    builds/<stamp>/        one complete build: dumps, validation report, store/, fingerprint
    current -> builds/<stamp>      the build being served; replaced with one rename
    store, vrlkg.nq, ...  -> current/...   stable names for users and the server
A build is written under builds/.partial-*, and only a complete, valid build is renamed and
swapped in; a failed or interrupted build leaves the previous one serving.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import namespaces as ns
from kg.convert import convert
from kg.loader import load_catalog
from kg.references import check_references
from kg.settings import REPO_ROOT, Settings
from kg.store import memory_store, write_store
from kg.validate import ValidationReport, ontology_quads, validate
from kg.void import describe_store, dump_for
from kg.void import serialize as serialize_void

ONTOLOGY_FILE = "vrlkg.ttl"
# File name -> format of the dumps every build writes.
DUMPS: dict[str, ox.RdfFormat] = {
    "vrlkg.nq": ox.RdfFormat.N_QUADS,
    "vrlkg.trig": ox.RdfFormat.TRIG,
    "vrlkg.ttl": ox.RdfFormat.TURTLE,
    "vrlkg.jsonld": ox.RdfFormat.JSON_LD,
}
REPORTS = ("validation.txt", "validation.ttl")
# The dataset description (VoID and DCAT), written beside the dumps.
VOID_FILE = "void.ttl"
STABLE_NAMES = ("store", *DUMPS, *REPORTS, VOID_FILE)
KEEP_BUILDS = 3

Progress = Callable[[str], None]


class ValidationFailed(Exception):
    def __init__(self, report: ValidationReport, report_path: Path) -> None:
        self.report = report
        self.report_path = report_path
        super().__init__(f"{len(report.violations)} SHACL or quality-check violation(s)")


@dataclass
class BuildResult:
    path: Path
    quads: int
    report: ValidationReport


@contextmanager
def step(progress: Progress, name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    progress(f"{name} ({time.perf_counter() - start:.2f} s)")


def fingerprint(settings: Settings) -> str:
    """A hash of everything a build reads, to tell whether the served graph is stale."""
    digest = hashlib.sha256(settings.base_iri.encode())
    roots = [settings.data_dir, settings.ontology_dir, settings.shapes_dir, REPO_ROOT / "kg"]
    for root in roots:
        for path in sorted(
            p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def current_build(settings: Settings) -> Path | None:
    link = settings.build_dir / "current"
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def is_stale(settings: Settings) -> bool:
    current = current_build(settings)
    if current is None:
        return True
    stamp = current / "fingerprint"
    return not stamp.exists() or stamp.read_text().strip() != fingerprint(settings)


def make_graph(settings: Settings, progress: Progress) -> tuple[list[ox.Quad], ValidationReport]:
    """Load, check, convert and validate; raises DataErrors or nothing. Writes nothing."""
    with step(progress, "read and checked the YAML records"):
        catalog = load_catalog(settings.data_dir)
        check_references(catalog)
    with step(progress, "converted to RDF"):
        ontology = ontology_quads(settings.ontology_dir / ONTOLOGY_FILE)
        quads = sorted(set(convert(catalog, settings.base_iri)) | set(ontology), key=str)
    with step(progress, f"validated {len(quads)} quads with SHACL and quality checks"):
        report = validate(quads, settings.shapes_dir, settings.ontology_dir / ONTOLOGY_FILE)
    return quads, report


def write_dumps(quads: list[ox.Quad], folder: Path) -> None:
    prefixes = dict(ns.PREFIXES)
    for name, fmt in DUMPS.items():
        if name == "vrlkg.nq":
            # One quad per line, sorted: byte-identical from run to run.
            lines = sorted(ox.serialize([q], format=fmt).decode() for q in quads)
            (folder / name).write_text("".join(lines), encoding="utf-8")
        elif fmt.supports_datasets:
            ox.serialize(quads, output=str(folder / name), format=fmt, prefixes=prefixes)
        else:
            triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
            ox.serialize(triples, output=str(folder / name), format=fmt, prefixes=prefixes)


def write_void(quads: list[ox.Quad], folder: Path, base: str) -> None:
    """void.ttl: the counts from COUNT queries over the graph as served, the dumps linked
    under {base}downloads/ (the server's /downloads)."""
    dumps = [
        dump_for(name, f"{base}downloads/{name}", (folder / name).stat().st_size)
        for name in DUMPS
    ]
    triples = describe_store(
        memory_store(quads), base, dumps=[d for d in dumps if d is not None]
    )
    (folder / VOID_FILE).write_bytes(serialize_void(triples))


def _swap_link(link: Path, target: str) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)  # atomic on POSIX: readers see the old or the new target, never none


def _prune(builds: Path, keep: Path) -> None:
    for partial in builds.glob(".partial-*"):
        shutil.rmtree(partial, ignore_errors=True)
    finished = sorted((p for p in builds.iterdir() if not p.name.startswith(".")), reverse=True)
    for old in finished[KEEP_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def build(settings: Settings, progress: Progress = lambda _msg: None) -> BuildResult:
    """Build the graph and swap it in; raises DataErrors or ValidationFailed, writing nothing
    that is served."""
    started = time.perf_counter()
    quads, report = make_graph(settings, progress)
    builds = settings.build_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    if not report.conforms:
        failed = settings.build_dir / "validation-failed.txt"
        failed.write_text(report.text(), encoding="utf-8")
        raise ValidationFailed(report, failed)

    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    partial = builds / f".partial-{stamp}"
    partial.mkdir()
    with step(progress, "wrote N-Quads, TriG, Turtle and JSON-LD"):
        write_dumps(quads, partial)
        (partial / "validation.txt").write_text(report.text(), encoding="utf-8")
        report.report_graph.serialize(partial / "validation.ttl", format="turtle")
    with step(progress, "described the dataset (VoID and DCAT)"):
        write_void(quads, partial, settings.base_iri)
    with step(progress, "loaded the Oxigraph store"):
        write_store(quads, partial / "store")
    (partial / "fingerprint").write_text(fingerprint(settings) + "\n")

    final = builds / stamp
    partial.rename(final)
    _swap_link(settings.build_dir / "current", f"builds/{stamp}")
    for name in STABLE_NAMES:
        link = settings.build_dir / name
        if not link.is_symlink():
            _swap_link(link, f"current/{name}")
    _prune(builds, final)
    (settings.build_dir / "validation-failed.txt").unlink(missing_ok=True)
    progress(f"build {stamp} is now served ({time.perf_counter() - started:.2f} s in all)")
    return BuildResult(final, len(quads), report)
