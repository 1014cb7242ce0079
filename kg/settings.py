"""Deployment settings, read from the environment once, so every entry point agrees on them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_BASE_IRI = "https://w3id.org/vrlkg/"
MIB = 1 << 20
REPO_ROOT = Path(__file__).resolve().parent.parent


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    base_iri: str = DEFAULT_BASE_IRI
    data_dir: Path = REPO_ROOT / "data"
    ontology_dir: Path = REPO_ROOT / "ontology"
    shapes_dir: Path = REPO_ROOT / "shapes"
    queries_dir: Path = REPO_ROOT / "queries"
    build_dir: Path = REPO_ROOT / "build"
    # Where the source lists named in data/sources.yaml are (for `vrlkg import` and `report`).
    seeds_dir: Path = REPO_ROOT.parent / "shared" / "seeds"
    # Where `vrlkg release VERSION` writes releases/VERSION/ (and the server finds them).
    releases_dir: Path = REPO_ROOT / "releases"
    # Seconds a query may run before it is stopped and answered with an error.
    query_timeout: float = 10.0
    # Endpoints a query may call with SERVICE; empty means SERVICE is refused.
    service_allowlist: tuple[str, ...] = field(default_factory=tuple)
    # Processes that evaluate queries; each can be killed when its query runs over time.
    query_workers: int = 2
    # Largest request body (a query sent by POST) in bytes.
    max_request_bytes: int = 1 * MIB
    # Largest serialized result in bytes; a larger result is an error, never a truncated body.
    max_result_bytes: int = 64 * MIB
    # Resident memory a worker may use while evaluating a query before it is killed (0: no limit).
    max_worker_memory_bytes: int = 4096 * MIB
    # Requests that may wait for a busy worker before new ones are turned away with 503.
    max_waiting: int = 64
    # Seconds a freshly started worker has to report that it is ready.
    worker_start_timeout: float = 30.0
    # Longest query text in characters; a longer one is refused (413).
    max_query_length: int = 100_000
    # Most rows (solutions) in a SELECT result; a larger result is an error, never truncated.
    max_result_rows: int = 100_000
    # Each worker copies a store into memory (2 to 5 times faster than reading it from disk) when
    # the store carries an N-Quads snapshot (kg.store.SNAPSHOT) of at most this size; 0: never.
    memory_store_bytes: int = 1024 * MIB
    # Response cache of the web process, in bytes of bodies; 0 turns it off.
    cache_bytes: int = 64 * MIB
    # uvicorn web processes sharing the port, each with its own pool of query_workers workers.
    web_processes: int = 1
    # One log line per HTTP request (uvicorn's access log); off by default, it costs throughput.
    access_log: bool = False

    @property
    def store_link(self) -> Path:
        """The symlink that names the store being served; a build swaps it atomically."""
        return self.build_dir / "store"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls()
        base = env.get("VRLKG_BASE_IRI", DEFAULT_BASE_IRI)
        if not base.endswith(("/", "#")):
            raise ValueError(f"VRLKG_BASE_IRI must end with '/' or '#': {base!r}")
        changes: dict[str, object] = {"base_iri": base}
        for var, name in (
        ("VRLKG_DATA_DIR", "data_dir"),
        ("VRLKG_BUILD_DIR", "build_dir"),
        ("VRLKG_RELEASES_DIR", "releases_dir"),
        ("VRLKG_SEEDS_DIR", "seeds_dir"),
    ):
            if env.get(var):
                changes[name] = Path(env[var]).resolve()
        if env.get("VRLKG_QUERY_TIMEOUT"):
            changes["query_timeout"] = float(env["VRLKG_QUERY_TIMEOUT"])
        if env.get("VRLKG_SERVICE_ALLOWLIST"):
            changes["service_allowlist"] = _split_list(env["VRLKG_SERVICE_ALLOWLIST"])
        if env.get("VRLKG_QUERY_WORKERS"):
            changes["query_workers"] = int(env["VRLKG_QUERY_WORKERS"])
        if env.get("VRLKG_MAX_RESULT_MB"):
            changes["max_result_bytes"] = int(float(env["VRLKG_MAX_RESULT_MB"]) * MIB)
        if env.get("VRLKG_QUERY_MEMORY_MB"):
            changes["max_worker_memory_bytes"] = int(float(env["VRLKG_QUERY_MEMORY_MB"]) * MIB)
        if env.get("VRLKG_MAX_WAITING"):
            changes["max_waiting"] = int(env["VRLKG_MAX_WAITING"])
        if env.get("VRLKG_MAX_REQUEST_KB"):
            changes["max_request_bytes"] = int(float(env["VRLKG_MAX_REQUEST_KB"]) * 1024)
        if env.get("VRLKG_MAX_QUERY_LENGTH"):
            changes["max_query_length"] = int(env["VRLKG_MAX_QUERY_LENGTH"])
        if env.get("VRLKG_MAX_RESULT_ROWS"):
            changes["max_result_rows"] = int(env["VRLKG_MAX_RESULT_ROWS"])
        if env.get("VRLKG_MEMORY_STORE_MB"):
            changes["memory_store_bytes"] = int(float(env["VRLKG_MEMORY_STORE_MB"]) * MIB)
        if env.get("VRLKG_CACHE_MB"):
            changes["cache_bytes"] = int(float(env["VRLKG_CACHE_MB"]) * MIB)
        if env.get("VRLKG_ACCESS_LOG"):
            changes["access_log"] = env["VRLKG_ACCESS_LOG"].lower() in ("1", "true", "yes", "on")
        if env.get("VRLKG_WEB_PROCESSES"):
            changes["web_processes"] = int(env["VRLKG_WEB_PROCESSES"])
        return settings.with_(**changes)
