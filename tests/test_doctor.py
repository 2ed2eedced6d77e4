"""Tests for the environment doctor, ``python -m lstm_notes``."""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import importlib.util
import json
import platform
import subprocess
import sys
from types import SimpleNamespace

import pytest

import lstm_notes.cudnn
from lstm_notes import doctor as doctor_module
from lstm_notes.doctor import (
    BACKENDS_SECTION,
    CUDNN_SECTION,
    KERAS_BACKENDS,
    DoctorReport,
    Section,
    doctor,
    main,
)
from lstm_notes.environment import BF16_FLAGS, bf16_support, cpu_count

SECTIONS = [
    "Python",
    "CPU",
    "NumPy",
    "TensorFlow",
    "Keras",
    BACKENDS_SECTION,
    "PyTorch",
    CUDNN_SECTION,
]
VERDICT = "default LSTM uses cuDNN"


def run_doctor(*args: str, block: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run the doctor in a fresh interpreter, with the modules in ``block`` made unimportable.

    (The doctor's report under each Keras backend is checked in ``test_backends.py``, which
    runs one process per backend.)
    """
    code = (
        "import sys\n"
        f"for name in {block!r}:\n"
        "    sys.modules[name] = None  # 'import name' now raises ImportError\n"
        "from lstm_notes.doctor import main\n"
        f"sys.exit(main({list(args)!r}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def parse(text: str) -> dict[str, dict[str, str]]:
    """Read the printed report back into ``{section: {label: value}}``."""
    report: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        if line and not line.startswith(" ") and not set(line) <= {"="}:
            section = report.setdefault(line, {})
        elif line.startswith("  "):
            label, _, value = line.strip().partition("  ")
            section[label] = value.strip()
    return report


@pytest.fixture
def frameworks_loaded() -> None:
    """Import the frameworks whole before a test fakes or breaks one (they import each other)."""
    for name in ("torch", "tensorflow", "keras"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


@pytest.fixture(scope="module")
def full_run() -> subprocess.CompletedProcess[str]:
    """One run of ``python -m lstm_notes`` with every framework importable."""
    return subprocess.run(
        [sys.executable, "-m", "lstm_notes"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.keras
@pytest.mark.torch
def test_cli_prints_every_section_and_nothing_else(
    full_run: subprocess.CompletedProcess[str],
) -> None:
    assert full_run.returncode == 0, full_run.stderr
    assert full_run.stderr == "", f"the doctor should print only its report:\n{full_run.stderr}"
    report = parse(full_run.stdout)
    assert list(report) == ["LSTM Notes environment doctor", *SECTIONS]
    assert report["Python"]["version"].startswith(platform.python_version())
    assert report["CPU"]["cores available"] == str(cpu_count())


@pytest.mark.keras
@pytest.mark.torch
def test_cli_versions_agree_with_installed_distributions(
    full_run: subprocess.CompletedProcess[str],
) -> None:
    report = parse(full_run.stdout)
    for section, dist in [("NumPy", "numpy"), ("TensorFlow", "tensorflow"), ("Keras", "keras"),
                          ("PyTorch", "torch")]:  # fmt: skip
        assert report[section]["version"] == importlib.metadata.version(dist)
    assert report[CUDNN_SECTION][VERDICT].startswith(("yes: ", "no: "))


def test_cli_reports_missing_frameworks_instead_of_failing() -> None:
    result = run_doctor("--json", block=("torch", "tensorflow", "keras", "jax"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert list(report) == SECTIONS
    assert report["PyTorch"] == {"torch": "not installed"}
    assert report["TensorFlow"] == {"tensorflow": "not installed"}
    assert report["Keras"] == {"keras": "not installed"}
    assert report[CUDNN_SECTION] == {"keras": "not installed"}
    assert report[BACKENDS_SECTION] == {
        "active": "unknown (keras: not installed)",
        **dict.fromkeys(KERAS_BACKENDS, "not installed"),
    }


def test_installed_backends_are_found_without_being_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    installed = {name: importlib.util.find_spec(name) is not None for name in KERAS_BACKENDS}
    imported: list[str] = []
    real = importlib.import_module

    def watched(name: str, *args: object) -> object:
        imported.append(name)
        return real(name, *args)

    monkeypatch.setattr(doctor_module.importlib, "import_module", watched)
    rows = dict(doctor_module._section(BACKENDS_SECTION, None, doctor_module._backends).rows)
    for name, found in installed.items():
        assert rows[name] == ("installed" if found else "not installed"), name
    assert imported == ["keras"]  # for the active backend only; no backend itself


@pytest.mark.usefixtures("frameworks_loaded")
def test_a_framework_that_fails_to_import_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def broken(name: str, *args: object) -> object:
        if name == "torch":
            raise RuntimeError("torch is half-installed")
        if name == "keras":
            raise ModuleNotFoundError("No module named 'tensorflow'", name="tensorflow")
        return real(name, *args)

    monkeypatch.setattr(doctor_module.importlib, "import_module", broken)
    report = doctor().as_dict()
    assert report["PyTorch"] == {"torch": "import failed (RuntimeError: torch is half-installed)"}
    expected = "import failed (ModuleNotFoundError: No module named 'tensorflow')"
    assert report["Keras"] == {"keras": expected}  # keras is there; what it needs is not


@pytest.mark.usefixtures("frameworks_loaded")
def test_a_query_that_raises_becomes_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    def driver_too_old() -> int:
        raise RuntimeError("driver too old")

    fake_torch = SimpleNamespace(
        __version__="2.99",
        version=SimpleNamespace(cuda="12.8"),
        backends=SimpleNamespace(cudnn=SimpleNamespace(version=lambda: 91000)),
        cuda=SimpleNamespace(is_available=lambda: False, device_count=driver_too_old),
        get_num_threads=lambda: 4,
        get_num_interop_threads=lambda: 2,
    )
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    rows = doctor().as_dict()["PyTorch"]
    assert rows["CUDA (built with)"] == "12.8" and rows["cuDNN"] == "91000"
    assert rows["devices"] == "unavailable (RuntimeError: driver too old)"
    assert rows["threads"] == "intra-op 4, inter-op 2"


@pytest.mark.keras
@pytest.mark.parametrize(
    ("gpu", "verdict"),
    [
        (True, "yes: the defaults allow cuDNN and the tensorflow backend sees a GPU"),
        (False, "no: would use cuDNN on a GPU, but no GPU is visible to the tensorflow backend"),
    ],
)
def test_cudnn_verdict_follows_the_backend_s_gpu(
    gpu: bool, verdict: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("the book runs Keras on the TensorFlow backend")
    monkeypatch.setattr(lstm_notes.cudnn, "backend_sees_gpu", lambda backend: gpu)
    assert doctor().as_dict()[CUDNN_SECTION][VERDICT] == verdict


def test_cpu_section_reports_bf16_units_and_a_recipe() -> None:
    rows = doctor().as_dict()["CPU"]
    units = bf16_support()
    if units:
        assert rows["bfloat16 units"] == ", ".join(units.values())
        assert rows["try first here"].startswith(("nn.LSTM in bfloat16", "nn.LSTM on cuda"))
    else:
        assert rows["bfloat16 units"].startswith("none (bfloat16 is emulated")
        assert (
            "bfloat16" not in rows["try first here"].split(";")[0]
            or "cuda" in rows["try first here"]
        )
    assert set(units) <= set(BF16_FLAGS)


def test_format_aligns_values_across_sections() -> None:
    report = DoctorReport(
        (Section("A", (("x", "1"), ("longer label", "2"))), Section("B", (("y", "3"),)))
    )
    lines = report.format().splitlines()
    assert lines == ["A", "  x             1", "  longer label  2", "", "B", "  y             3"]


@pytest.mark.parametrize("argv", [["--help"], ["-h"]])
def test_main_help_returns_zero(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    assert "--json" in capsys.readouterr().out
