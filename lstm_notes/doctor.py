"""An environment doctor: what the book's frameworks see on this machine, and what to run here.

Run it as ``python -m lstm_notes``. It reports the CPU (model, cores, bfloat16 units), the
versions of Python, NumPy, TensorFlow, Keras and PyTorch (with CUDA and cuDNN where present), the
Keras backend in use and which of TensorFlow, JAX and PyTorch are installed, the
devices and thread counts each framework sees, whether a default Keras LSTM would run on the cuDNN
kernel here (the rules of :func:`lstm_notes.cudnn.keras_cudnn_report`), and the recipe the speed
chapter suggests trying first on this hardware. A framework that is missing or fails to import is
reported as such: the doctor always finishes and exits with status 0.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import platform
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType

from lstm_notes.environment import bf16_support, cpu_count, cpu_name

__all__ = ["DoctorReport", "Section", "doctor", "main"]

NOT_INSTALLED = "not installed"
CUDNN_SECTION = "Keras LSTM and cuDNN"
BACKENDS_SECTION = "Keras backends"
Query = tuple[str, Callable[[], object]]


@dataclass(frozen=True)
class Section:
    """One titled block of the report: ``(label, value)`` rows, values already text."""

    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DoctorReport:
    """The doctor's findings: sections in display order.

    Examples
    --------
    >>> report = DoctorReport((Section("Python", (("version", "3.11.7"),)),))
    >>> report.as_dict()
    {'Python': {'version': '3.11.7'}}
    >>> print(report.format())
    Python
      version  3.11.7
    """

    sections: tuple[Section, ...]

    def as_dict(self) -> dict[str, dict[str, str]]:
        """The report as ``{section title: {label: value}}``."""
        return {section.title: dict(section.rows) for section in self.sections}

    def format(self) -> str:
        """The report as aligned text: every value starts in the same column."""
        width = max((len(label) for s in self.sections for label, _ in s.rows), default=0) + 2
        return "\n\n".join(
            "\n".join(
                [s.title] + [f"  {label:<{width}}{value}".rstrip() for label, value in s.rows]
            )
            for s in self.sections
        )

    def __str__(self) -> str:
        return self.format()


def _import(name: str) -> ModuleType | str:
    """The module, or why it cannot be used ("not installed" only when it is itself missing)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        if error.name in (None, name):
            return NOT_INSTALLED
        return f"import failed ({type(error).__name__}: {error})"
    except Exception as error:  # a broken install is reported, never raised
        return f"import failed ({type(error).__name__}: {error})"


def _section(
    title: str, module: str | None, queries: Callable[[ModuleType], list[Query]]
) -> Section:
    """Import ``module`` (if any) and evaluate each query; one that raises reads 'unavailable'."""
    loaded = _import(module) if module else sys
    if isinstance(loaded, str):
        return Section(title, ((module or title, loaded),))
    rows = []
    for label, query in queries(loaded):
        try:
            value = query()
            text = (", ".join(map(str, value)) or "none") if isinstance(value, list) else str(value)
        except Exception as error:
            text = f"unavailable ({type(error).__name__}: {error})"
        rows.append((label, text))
    return Section(title, tuple(rows))


def _python(_: ModuleType) -> list[Query]:
    from lstm_notes import __version__

    return [
        ("version", lambda: f"{platform.python_version()} ({sys.implementation.name})"),
        ("executable", lambda: sys.executable),
        ("platform", platform.platform),
        ("lstm_notes", lambda: __version__),
    ]


def _cpu(_: ModuleType) -> list[Query]:
    units = bf16_support()
    return [
        ("model", cpu_name),
        ("cores available", cpu_count),
        ("bfloat16 units", lambda: list(units.values()) or "none (bfloat16 is emulated: slower)"),
        ("try first here", _recipe),
    ]


def _recipe() -> str:
    """The speed chapter's recipes, in the order to try on this hardware."""
    torch = _import("torch")
    if not isinstance(torch, str) and torch.cuda.is_available():
        return "nn.LSTM on cuda (cuDNN) with torch.autocast; Keras LSTM with defaults in fit()"
    if bf16_support():
        return (
            "nn.LSTM in bfloat16 (check its accuracy cost); Keras in tf.function(jit_compile=True)"
        )
    return "nn.LSTM in float32 (no bfloat16 units); Keras in tf.function(jit_compile=True)"


def _tf_build(tf: ModuleType, key: str) -> str:
    info = dict(tf.sysconfig.get_build_info())
    return str(info[key]) if info.get("is_cuda_build") and key in info else "none (CPU build)"


def _tensorflow(tf: ModuleType) -> list[Query]:
    threading = tf.config.threading
    return [
        ("version", lambda: tf.__version__),
        ("CUDA (built with)", lambda: _tf_build(tf, "cuda_version")),
        ("cuDNN (built with)", lambda: _tf_build(tf, "cudnn_version")),
        ("devices", lambda: [d.name for d in tf.config.list_physical_devices()]),
        (
            "threads",
            lambda: (
                f"inter-op {threading.get_inter_op_parallelism_threads()}, intra-op "
                f"{threading.get_intra_op_parallelism_threads()} (0 = TensorFlow chooses)"
            ),
        ),
    ]


def _torch(torch: ModuleType) -> list[Query]:
    return [
        ("version", lambda: torch.__version__),
        ("CUDA (built with)", lambda: torch.version.cuda or "none (CPU build)"),
        ("cuDNN", lambda: torch.backends.cudnn.version() or "none"),
        (
            "devices",
            lambda: (
                ["cpu"]
                + [
                    f"cuda:{i} ({torch.cuda.get_device_name(i)})"
                    for i in range(torch.cuda.device_count())
                ]
            ),
        ),
        (
            "threads",
            lambda: (
                f"intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}"
            ),
        ),
    ]


KERAS_BACKENDS = ("tensorflow", "jax", "torch")
"""The Keras backends the doctor looks for (the ones with a cuDNN path)."""


def _active_backend() -> str:
    keras = _import("keras")
    return f"unknown (keras: {keras})" if isinstance(keras, str) else keras.backend.backend()


def _backends(_: ModuleType) -> list[Query]:
    """The active Keras backend, and which backends are installed (found, not imported)."""

    def found(name: str) -> str:
        return "installed" if importlib.util.find_spec(name) is not None else NOT_INSTALLED

    return [("active", _active_backend)] + [
        (name, lambda name=name: found(name)) for name in KERAS_BACKENDS
    ]


def _cudnn_verdict(keras: ModuleType) -> str:
    from lstm_notes.cudnn import keras_cudnn_report

    report = keras_cudnn_report(keras.layers.LSTM(1))
    backend = report.backend
    if report.eligible:
        return f"yes: the defaults allow cuDNN and the {backend} backend sees a GPU"
    if report.layer_reasons:
        return "no: " + "; ".join(r.problem for r in report.layer_reasons)
    return f"no: {report.environment_reasons[0].problem}"


def doctor() -> DoctorReport:
    """Inspect this environment: CPU, versions, devices, threads, the Keras cuDNN path.

    Returns
    -------
    DoctorReport
        Sections "Python", "CPU", "NumPy", "TensorFlow", "Keras", "Keras backends", "PyTorch"
        and "Keras LSTM and cuDNN". A missing framework appears as the value ``"not installed"``.
        "Keras backends" names the backend Keras runs on and, for each of TensorFlow, JAX and
        PyTorch, whether it is installed (looked up with ``importlib.util.find_spec``, so a
        backend that is not in use is never imported).

    Examples
    --------
    >>> report = doctor().as_dict()
    >>> report["CPU"]["cores available"] == str(cpu_count())
    True
    """
    return DoctorReport(
        (
            _section("Python", None, _python),
            _section("CPU", None, _cpu),
            _section("NumPy", "numpy", lambda np: [("version", lambda: np.__version__)]),
            _section("TensorFlow", "tensorflow", _tensorflow),
            _section("Keras", "keras", lambda k: [("version", lambda: k.__version__)]),
            _section(BACKENDS_SECTION, None, _backends),
            _section("PyTorch", "torch", _torch),
            _section(
                CUDNN_SECTION,
                "keras",
                lambda k: [("default LSTM uses cuDNN", lambda: _cudnn_verdict(k))],
            ),
        )
    )


def main(argv: list[str] | None = None) -> int:
    """Print the environment report (``--json`` for machine-readable output); return 0.

    The frameworks' native start-up logs (TensorFlow's absl lines, the CUDA driver probes) are
    written straight to file descriptor 2 while the report is collected; they are discarded, so
    the terminal shows the report alone. ``--native-logs`` keeps them.

    Examples
    --------
    >>> main(["--help"])  # doctest: +ELLIPSIS
    usage: python -m lstm_notes [-h] [--json] [--native-logs]
    ...
    0
    """
    parser = argparse.ArgumentParser(
        prog="python -m lstm_notes", description="Report the frameworks, devices and threads."
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--native-logs", action="store_true", help="keep the frameworks' native start-up logs"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with contextlib.nullcontext() if args.native_logs else _native_stderr_discarded():
        report = doctor()
    title = "LSTM Notes environment doctor"
    banner = f"{title}\n{'=' * len(title)}\n\n"
    print(json.dumps(report.as_dict(), indent=2) if args.json else banner + report.format())
    return 0


@contextlib.contextmanager
def _native_stderr_discarded() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration (Python's own stderr included)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
