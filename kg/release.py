"""`vrlkg release VERSION`: a versioned, checksummed snapshot of the current build.

releases/VERSION/ holds
    vrlkg.nq.gz, vrlkg.ttl.gz, vrlkg.jsonld.gz   the dumps (gzip, reproducible: no timestamps)
    vrlkg-ontology.ttl, shapes/                   the ontology, the SHACL shapes and checks
    void.ttl                                      VoID and DCAT, the dumps as distributions
    validation.txt, quality.md                    the validation report; the quality report of
                                                  `vrlkg report` when build/quality.md exists
    diff/summary.json, diff/<graph>/added.nq,     statements added and removed since the
    diff/<graph>/removed.nq                       previous release, per named graph
    CHANGELOG.md                                  this release's entry (--notes, or made from
                                                  the diff), then the previous releases' entries
    release.json                                  version, date, previous release, counts
    SHA256SUMS                                    sha256 of every other file (`sha256sum -c`)
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg import namespaces as ns
from kg.build import ONTOLOGY_FILE, current_build
from kg.settings import Settings
from kg.store import memory_store
from kg.void import describe_store, dump_for
from kg.void import serialize as serialize_void

VERSION = re.compile(r"v?[0-9]+(\.[0-9]+)*([-+][0-9A-Za-z.-]+)?")
DUMPS = ("vrlkg.nq", "vrlkg.ttl", "vrlkg.jsonld")
QUALITY_REPORT = "quality.md"


class ReleaseError(Exception):
    """The release cannot be made; the message says why."""


@dataclass
class ReleaseResult:
    path: Path
    previous: str | None
    added: int
    removed: int
    per_graph: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def version_key(name: str) -> tuple:
    """Sort key of a version: numbers compare as numbers (0.10.0 after 0.9.1)."""
    parts = []
    for piece in re.split(r"[.+-]", name.lstrip("v")):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)


def releases(root: Path) -> list[str]:
    """The versions released so far, oldest first."""
    if not root.is_dir():
        return []
    found = [
        p.name for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "vrlkg.nq.gz").is_file()
    ]
    return sorted(found, key=version_key)


def _gzip(source: Path, target: Path) -> None:
    # mtime=0 and no file name: the same dump gives the same bytes.
    with (
        source.open("rb") as raw,
        target.open("wb") as out,
        gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as packed,
    ):
        shutil.copyfileobj(raw, packed)


def _lines(path: Path) -> set[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        return {line.rstrip("\n") for line in handle if line.strip()}


def _graph_of(line: str) -> str:
    quad = next(iter(ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS)))
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""


def graph_slug(graph: str, base: str) -> str:
    if graph == ns.ONTOLOGY_IRI:
        return "ontology"
    if graph.startswith(f"{base}graph/"):
        return graph[len(f"{base}graph/"):]
    return re.sub(r"[^A-Za-z0-9.-]+", "-", graph).strip("-") or "default"


def diff(previous: set[str], current: set[str], base: str) -> dict[str, dict[str, list[str]]]:
    """Added and removed N-Quads lines, per named graph (by slug)."""
    result: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"added": [], "removed": []})
    for line in sorted(current - previous):
        result[graph_slug(_graph_of(line), base)]["added"].append(line)
    for line in sorted(previous - current):
        result[graph_slug(_graph_of(line), base)]["removed"].append(line)
    return dict(result)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _changelog_entry(version: str, date: str, previous: str | None, notes: str | None,
                     changes: dict[str, dict[str, list[str]]], quads: int) -> str:
    added = sum(len(c["added"]) for c in changes.values())
    removed = sum(len(c["removed"]) for c in changes.values())
    lines = [f"## {version} ({date})", ""]
    if notes:
        lines += [notes.strip(), ""]
    since = f"since {previous}" if previous else "(first release: every statement is new)"
    lines += [f"{quads} statements; {added} added and {removed} removed {since}.", ""]
    if changes:
        lines += ["| named graph | added | removed |", "|---|---:|---:|"]
        for slug in sorted(changes):
            lines.append(
                f"| {slug} | {len(changes[slug]['added'])} | {len(changes[slug]['removed'])} |"
            )
        lines.append("")
    return "\n".join(lines)


def _previous_entries(folder: Path | None) -> str:
    if folder is None or not (folder / "CHANGELOG.md").is_file():
        return ""
    text = (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    start = text.find("\n## ")
    return text[start + 1:] if start >= 0 else ""


def release(
    settings: Settings,
    version: str,
    notes: str | None = None,
    previous: str | None = None,
    force: bool = False,
    progress: Callable[[str], None] = lambda _m: None,
) -> ReleaseResult:
    if not VERSION.fullmatch(version):
        raise ReleaseError(f"{version!r} is not a version such as 1.0.0 or 0.2.0-rc.1")
    build = current_build(settings)
    if build is None:
        raise ReleaseError("there is no built graph: run `vrlkg build` first")
    root = settings.releases_dir
    target = root / version
    if target.exists() and not force:
        raise ReleaseError(f"{target} exists already (--force replaces it)")
    earlier = [v for v in releases(root) if v != version]
    if previous is None:
        older = [v for v in earlier if version_key(v) < version_key(version)]
        previous = older[-1] if older else None
    elif previous not in earlier:
        raise ReleaseError(f"no release {previous!r} in {root}")
    date = time.strftime("%Y-%m-%d")
    base = settings.base_iri
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f".partial-{version}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    result_notes: list[str] = []

    for name in DUMPS:
        _gzip(build / name, partial / f"{name}.gz")
    progress("compressed the dumps")
    shutil.copyfile(settings.ontology_dir / ONTOLOGY_FILE, partial / "vrlkg-ontology.ttl")
    shutil.copytree(settings.shapes_dir, partial / "shapes",
                    ignore=shutil.ignore_patterns("__pycache__"))
    if (build / "validation.txt").is_file():
        shutil.copyfile(build / "validation.txt", partial / "validation.txt")
    if settings.seeds_dir.is_dir():
        # A release carries a quality report of the data it releases: made afresh here when the
        # source lists are at hand.
        from kg.report import write_report

        write_report(settings, settings.seeds_dir)
        progress("wrote the quality report")
    quality = next(
        (p for p in (build / QUALITY_REPORT, settings.build_dir / QUALITY_REPORT) if p.is_file()),
        None,
    )
    if quality:
        shutil.copyfile(quality, partial / QUALITY_REPORT)
        if quality.with_suffix(".ttl").is_file():
            shutil.copyfile(quality.with_suffix(".ttl"), partial / "quality.ttl")
    else:
        result_notes.append(
            f"no quality report: the build folder has no {QUALITY_REPORT} "
            "(`vrlkg report` writes it), so this release has none"
        )

    quads = list(ox.parse(path=str(build / "vrlkg.nq"), format=ox.RdfFormat.N_QUADS))
    url = f"{base}downloads/releases/{version}/"
    dumps = [dump_for(f"{n}.gz", url + f"{n}.gz", (partial / f"{n}.gz").stat().st_size)
             for n in DUMPS]
    void = describe_store(memory_store(quads), base, dumps=[d for d in dumps if d],
                          version=version, issued=date)
    (partial / "void.ttl").write_bytes(serialize_void(void))
    progress("described the release (VoID and DCAT)")

    current_lines = _lines(build / "vrlkg.nq")
    previous_folder = root / previous if previous else None
    previous_lines = _lines(previous_folder / "vrlkg.nq.gz") if previous_folder else set()
    changes = diff(previous_lines, current_lines, base)
    (partial / "diff").mkdir()
    summary = {
        "previous": previous,
        "version": version,
        "graphs": {
            slug: {"added": len(c["added"]), "removed": len(c["removed"])}
            for slug, c in sorted(changes.items())
        },
    }
    for slug, change in changes.items():
        folder = partial / "diff" / slug
        folder.mkdir()
        for what in ("added", "removed"):
            (folder / f"{what}.nq").write_text(
                "".join(line + "\n" for line in change[what]), encoding="utf-8"
            )
    (partial / "diff" / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    progress(f"compared with {previous or 'nothing (first release)'}")

    entry = _changelog_entry(version, date, previous, notes, changes, len(current_lines))
    if result_notes:
        entry += "\n" + "\n".join(f"Note: {n}." for n in result_notes) + "\n"
    changelog = "# Changelog of VRL-KG releases\n\n" + entry + "\n" + _previous_entries(
        previous_folder
    )
    (partial / "CHANGELOG.md").write_text(changelog.rstrip() + "\n", encoding="utf-8")
    added = sum(len(c["added"]) for c in changes.values())
    removed = sum(len(c["removed"]) for c in changes.values())
    (partial / "release.json").write_text(json.dumps({
        "version": version,
        "date": date,
        "previous": previous,
        "base_iri": base,
        "statements": len(current_lines),
        "added": added,
        "removed": removed,
        "quality_report": quality is not None,
        "build": build.name,
    }, indent=2) + "\n")

    files = sorted(p for p in partial.rglob("*") if p.is_file())
    (partial / "SHA256SUMS").write_text("".join(
        f"{_sha256(p)}  {p.relative_to(partial).as_posix()}\n" for p in files
    ))
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    progress(f"release {version} written to {target}")
    return ReleaseResult(target, previous, added, removed, summary["graphs"], result_notes)
