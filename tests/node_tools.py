"""Running the project's Node scripts (web/*.mjs) from tests: Comunica and playwright-core.

`make` installs them (`npm ci` in web/). In CI (CI set) a missing install or a missing Chromium
fails the test; on a developer machine without them the test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WEB = REPO / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def require_node_modules(*packages: str) -> None:
    if shutil.which("node") is None:
        missing("node is not installed")
    for package in packages:
        if not (WEB / "node_modules" / package / "package.json").is_file():
            missing(f"web/node_modules/{package} is missing: run `make web` (npm ci in web/)")


def require_chromium() -> None:
    if not Path(CHROMIUM).is_file():
        missing(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")


def run_node(script: str, *args: str, timeout: float = 120) -> dict:
    """Run web/SCRIPT with ARGS; its last line of output is JSON."""
    done = subprocess.run(
        ["node", str(WEB / script), *args],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines, f"{script} printed nothing:\n{done.stderr}"
    return json.loads(lines[-1])
