"""Valid and invalid YAML fixtures: each invalid one is named after its defect and must be
reported as `file:line: field: message`, with nothing written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "data"
INVALID = sorted(p.name for p in (FIXTURES / "invalid").iterdir())


def make_data(tmp_path: Path, defect: str | None) -> Path:
    """A copy of the valid fixture named `data`, with the defect's files laid over it."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "valid", data)
    if defect:
        for path in (FIXTURES / "invalid" / defect).rglob("*"):
            if path.is_file() and path.name != "expected.txt":
                target = data / path.relative_to(FIXTURES / "invalid" / defect)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
    return data


def run_build(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setenv("VRLKG_DATA_DIR", str(data))
    monkeypatch.setenv("VRLKG_BUILD_DIR", str(tmp_path / "build"))
    code = main(["build", "--quiet"])
    return code, capsys.readouterr().err


def test_valid_fixture_builds(tmp_path, monkeypatch, capsys):
    code, err = run_build(tmp_path, make_data(tmp_path, None), monkeypatch, capsys)
    assert code == 0, err
    assert (tmp_path / "build" / "vrlkg.nq").read_text().count("\n") > 50


@pytest.mark.parametrize("defect", INVALID)
def test_invalid_fixture_is_reported_and_nothing_is_written(defect, tmp_path, monkeypatch, capsys):
    expected = (FIXTURES / "invalid" / defect / "expected.txt").read_text().strip()
    code, err = run_build(tmp_path, make_data(tmp_path, defect), monkeypatch, capsys)
    assert code == 1
    assert any(line.startswith(expected) for line in err.splitlines()), err
    assert not (tmp_path / "build" / "current").exists()
    assert not (tmp_path / "build" / "builds").exists()


def test_every_invalid_fixture_has_exactly_one_defect(tmp_path, monkeypatch, capsys):
    """An invalid fixture that reported several unrelated errors would test nothing precisely."""
    for defect in INVALID:
        case = tmp_path / defect
        case.mkdir()
        code, err = run_build(case, make_data(case, defect), monkeypatch, capsys)
        errors = [line for line in err.splitlines() if line.startswith("data/")]
        assert code == 1 and len(errors) == 1, (defect, err)


def test_cli_exit_code_and_message_from_a_real_process(tmp_path):
    data = make_data(tmp_path, "unknown-author")
    env = {"VRLKG_DATA_DIR": str(data), "VRLKG_BUILD_DIR": str(tmp_path / "build"), "PATH": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "kg.cli", "validate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "data/papers/demo-paper.yaml:8: authors[1]: unknown person 'grace-hopper'" in proc.stderr
