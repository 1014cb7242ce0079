"""Resource limits of the endpoint that are not (yet) part of kg.settings.Settings."""

from __future__ import annotations

import os
from dataclasses import dataclass

MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
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

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """Read VRLKG_MAX_RESULT_MB, VRLKG_QUERY_MEMORY_MB, VRLKG_MAX_WAITING if set."""
        env = os.environ if environ is None else environ
        changes: dict[str, int] = {}
        if env.get("VRLKG_MAX_RESULT_MB"):
            changes["max_result_bytes"] = int(float(env["VRLKG_MAX_RESULT_MB"]) * MIB)
        if env.get("VRLKG_QUERY_MEMORY_MB"):
            changes["max_worker_memory_bytes"] = int(float(env["VRLKG_QUERY_MEMORY_MB"]) * MIB)
        if env.get("VRLKG_MAX_WAITING"):
            changes["max_waiting"] = int(env["VRLKG_MAX_WAITING"])
        return cls(**changes)
