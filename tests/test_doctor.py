"""Tests for the environment doctor, ``python -m lstm_notes``."""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import platform
import subprocess
import sys
from types import ModuleType, SimpleNamespace

import pytest

from lstm_notes.doctor import CUDNN_SECTION, DoctorReport, Section, _backend_gpu, doctor, main

SECTIONS = ["Python", "NumPy", "TensorFlow", "Keras", "PyTorch", CUDNN_SECTION]
VERDICT = "default LSTM uses cuDNN"


def run_doctor(*args: str, block: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Run the doctor in a fresh interpreter, with the modules in ``block`` made unimportable."""
    if not block:
        command = [sys.executable, "-m", "lstm_notes", *args]
    else:
        code = (
            "import sys\n"
            f"for name in {block!r}:\n"
            "    sys.modules[name] = None  # 'import name' now raises ImportError\n"
            "from lstm_notes.doctor import main\n"
            f"sys.exit(main({list(args)!r}))\n"
        )
        command = [sys.executable, "-c", code]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


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


def keras_with_lstm(lstm_class: type) -> SimpleNamespace:
    """The real ``keras``, except that ``keras.layers.LSTM`` is ``lstm_class``."""
    import keras

    return SimpleNamespace(
        __version__=keras.__version__,
        layers=SimpleNamespace(LSTM=lstm_class),
        backend=keras.backend,
    )


def fake_tensorflow(gpus: int) -> SimpleNamespace:
    """A stand-in for ``tensorflow`` that sees ``gpus`` logical GPUs."""
    devices = [SimpleNamespace(name=f"/device:GPU:{i}") for i in range(gpus)]
    return SimpleNamespace(config=SimpleNamespace(list_logical_devices=lambda kind: devices))


def importer_with(**modules: object):
    """An importer serving the given stand-ins; any other framework is 'not installed'."""

    def importer(name: str) -> ModuleType:
        if name in modules:
            return modules[name]  # type: ignore[return-value]
        if name == "numpy":
            return importlib.import_module(name)
        raise ImportError(f"No module named {name!r}")

    return importer


def verdict(**modules: object) -> str:
    return doctor(importer=importer_with(**modules)).as_dict()[CUDNN_SECTION][VERDICT]


@pytest.fixture(scope="module")
def full_run() -> subprocess.CompletedProcess[str]:
    """One run of ``python -m lstm_notes`` with every framework importable (about 6 s)."""
    return run_doctor()


def test_cli_exits_zero_and_prints_every_section(
    full_run: subprocess.CompletedProcess[str],
) -> None:
    result = full_run
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = parse(result.stdout)
    assert list(report) == ["LSTM Notes environment doctor", *SECTIONS]
    assert report["Python"]["version"].startswith(platform.python_version())


def test_cli_keeps_framework_start_up_logs_off_the_terminal(
    full_run: subprocess.CompletedProcess[str],
) -> None:
    assert full_run.stderr == "", (
        f"the doctor should print only its report, got:\n{full_run.stderr}"
    )


def test_cli_versions_agree_with_installed_distributions(
    full_run: subprocess.CompletedProcess[str],
) -> None:
    report = parse(full_run.stdout)
    assert report["NumPy"]["version"] == importlib.metadata.version("numpy")
    assert report["TensorFlow"]["version"] == importlib.metadata.version("tensorflow")
    assert report["Keras"]["version"] == importlib.metadata.version("keras")
    assert report["PyTorch"]["version"] == importlib.metadata.version("torch")
    assert report[CUDNN_SECTION][VERDICT].startswith(("yes: ", "no: "))


def test_cli_reports_missing_frameworks_instead_of_failing() -> None:
    result = run_doctor(block=("torch", "tensorflow", "keras"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = parse(result.stdout)
    assert report["PyTorch"] == {"torch": "not installed"}
    assert report["TensorFlow"] == {"tensorflow": "not installed"}
    assert report["Keras"] == {"keras": "not installed"}
    assert report[CUDNN_SECTION][VERDICT] == "no: keras not installed"


def test_cli_json_is_the_report_as_a_dict() -> None:
    result = run_doctor("--json", block=("torch", "tensorflow", "keras"))
    assert result.returncode == 0, result.stderr
    assert list(json.loads(result.stdout)) == SECTIONS


def test_a_framework_that_fails_to_import_is_reported() -> None:
    def broken(name: str) -> ModuleType:
        raise RuntimeError(f"{name} is half-installed")

    report = doctor(importer=broken).as_dict()
    assert report["PyTorch"]["torch"] == "import failed (RuntimeError: torch is half-installed)"
    assert report["NumPy"]["numpy"] == "import failed (RuntimeError: numpy is half-installed)"


def test_a_missing_dependency_of_a_framework_is_not_called_not_installed() -> None:
    def keras_without_backend(name: str) -> ModuleType:
        if name == "keras":
            raise ModuleNotFoundError("No module named 'tensorflow'", name="tensorflow")
        return importer_with()(name)

    report = doctor(importer=keras_without_backend).as_dict()
    expected = "import failed (ModuleNotFoundError: No module named 'tensorflow')"
    assert report["Keras"] == {"keras": expected}
    assert report["TensorFlow"] == {"tensorflow": "not installed"}


def test_a_query_that_raises_becomes_unavailable() -> None:
    def cuda_raises() -> int:
        raise RuntimeError("driver too old")

    torch = SimpleNamespace(
        __version__="2.99",
        version=SimpleNamespace(cuda="12.8"),
        backends=SimpleNamespace(
            cudnn=SimpleNamespace(version=lambda: 91000),
            mps=SimpleNamespace(is_available=lambda: False),
        ),
        cuda=SimpleNamespace(is_available=lambda: True, device_count=cuda_raises),
        get_num_threads=lambda: 4,
        get_num_interop_threads=lambda: 2,
    )
    rows = doctor(importer=importer_with(torch=torch)).as_dict()["PyTorch"]
    assert rows["CUDA (built with)"] == "12.8"
    assert rows["cuDNN"] == "91000"
    assert rows["devices"] == "unavailable (RuntimeError: driver too old)"
    assert rows["threads"] == "intra-op 4, inter-op 2"


def test_cudnn_verdict_needs_a_gpu_visible_to_the_tensorflow_backend() -> None:
    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("the book runs Keras on the TensorFlow backend")
    with_gpu = verdict(keras=keras, tensorflow=fake_tensorflow(gpus=1))
    without_gpu = verdict(keras=keras, tensorflow=fake_tensorflow(gpus=0))
    assert with_gpu == "yes: the defaults allow cuDNN and the tensorflow backend sees a GPU"
    assert without_gpu.startswith("no: the tensorflow backend sees no GPU")


def test_cudnn_verdict_names_a_default_that_rules_cudnn_out() -> None:
    import keras

    class DroppingLSTM(keras.layers.LSTM):
        """An LSTM whose default recurrent_dropout is not 0."""

        def __init__(self, units: int, **kwargs: object) -> None:
            super().__init__(units, recurrent_dropout=0.25, **kwargs)

    text = verdict(keras=keras_with_lstm(DroppingLSTM), tensorflow=fake_tensorflow(gpus=1))
    assert text == "no: the defaults rule it out: recurrent_dropout=0.25"


def test_cudnn_verdict_numpy_backend_never_uses_cudnn() -> None:
    assert _backend_gpu("numpy", importer_with()) is False


def test_format_aligns_values_across_sections() -> None:
    report = DoctorReport(
        (
            Section("A", (("x", "1"), ("longer label", "2"))),
            Section("B", (("y", "3"),)),
        )
    )
    lines = report.format().splitlines()
    assert lines == ["A", "  x             1", "  longer label  2", "", "B", "  y             3"]


@pytest.mark.parametrize("argv", [["--help"], ["-h"]])
def test_main_help_returns_zero(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    assert "--json" in capsys.readouterr().out
