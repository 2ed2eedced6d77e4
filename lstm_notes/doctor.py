"""An environment doctor: which versions, devices and threads the book's frameworks see here.

Run it as ``python -m lstm_notes``. It reports the versions of Python, NumPy, TensorFlow, Keras and
PyTorch (with the CUDA and cuDNN versions where present), the devices each framework sees, their
thread counts, and whether a Keras LSTM built with default arguments would run on the fast cuDNN
kernel on this machine. A framework that is missing, or fails to import, is reported as such: the
doctor always finishes and exits with status 0.

The cuDNN verdict applies the rules of :func:`lstm_notes.cudnn.keras_cudnn_report` to a default
``keras.layers.LSTM`` and asks the Keras backend whether it sees a GPU.

Frameworks are imported through an injectable ``importer`` (``importlib.import_module`` by
default), so tests can simulate a machine without TensorFlow or PyTorch.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import ModuleType

__all__ = ["DoctorReport", "Section", "doctor", "main"]

Importer = Callable[[str], ModuleType]
NOT_INSTALLED = "not installed"
CUDNN_SECTION = "Keras LSTM and cuDNN"


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
        labels = [label for section in self.sections for label, _ in section.rows]
        width = max(map(len, labels), default=0) + 2
        blocks = [_format_section(section, width) for section in self.sections]
        return "\n\n".join(blocks)

    def __str__(self) -> str:
        return self.format()


def _format_section(section: Section, width: int) -> str:
    lines = [section.title]
    lines += [f"  {label:<{width}}{value}".rstrip() for label, value in section.rows]
    return "\n".join(lines)


def _import(name: str, importer: Importer) -> ModuleType | str:
    """The module, or a short reason why it cannot be used.

    "not installed" means the module itself is missing; a module that is present but cannot load
    what it needs (keras without its backend, say) is "import failed", with the error.
    """
    try:
        return importer(name)
    except ImportError as error:
        if error.name in (None, name):
            return NOT_INSTALLED
        return f"import failed ({type(error).__name__}: {error})"
    except Exception as error:  # a broken install is reported, never raised
        return f"import failed ({type(error).__name__}: {error})"


def _text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "none"
    return str(value)


def _rows(queries: Iterable[tuple[str, Callable[[], object]]]) -> tuple[tuple[str, str], ...]:
    """Evaluate each query; one that raises becomes an 'unavailable' value, not a traceback."""
    rows = []
    for label, query in queries:
        try:
            value = _text(query())
        except Exception as error:
            value = f"unavailable ({type(error).__name__}: {error})"
        rows.append((label, value))
    return tuple(rows)


def _python_section() -> Section:
    from lstm_notes import __version__

    return Section(
        "Python",
        _rows(
            [
                ("version", lambda: f"{platform.python_version()} ({sys.implementation.name})"),
                ("executable", lambda: sys.executable),
                ("platform", platform.platform),
                ("lstm_notes", lambda: __version__),
            ]
        ),
    )


def _numpy_section(importer: Importer) -> Section:
    np = _import("numpy", importer)
    if isinstance(np, str):
        return Section("NumPy", (("numpy", np),))
    return Section("NumPy", _rows([("version", lambda: np.__version__)]))


def _tf_devices(tf: ModuleType) -> list[str]:
    return [device.name for device in tf.config.list_physical_devices()]


def _tf_threads(tf: ModuleType) -> str:
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    return f"inter-op {inter}, intra-op {intra} (0 = TensorFlow chooses)"


def _tf_build(tf: ModuleType, key: str) -> str:
    info = dict(tf.sysconfig.get_build_info())
    return str(info[key]) if info.get("is_cuda_build") and key in info else "none (CPU build)"


def _tensorflow_section(importer: Importer) -> Section:
    tf = _import("tensorflow", importer)
    if isinstance(tf, str):
        return Section("TensorFlow", (("tensorflow", tf),))
    queries: list[tuple[str, Callable[[], object]]] = [
        ("version", lambda: tf.__version__),
        ("tf.keras version", lambda: tf.keras.__version__),
        ("CUDA (built with)", lambda: _tf_build(tf, "cuda_version")),
        ("cuDNN (built with)", lambda: _tf_build(tf, "cudnn_version")),
        ("devices", lambda: _tf_devices(tf)),
        ("threads", lambda: _tf_threads(tf)),
    ]
    return Section("TensorFlow", _rows(queries))


def _keras_section(importer: Importer) -> Section:
    keras = _import("keras", importer)
    if isinstance(keras, str):
        return Section("Keras", (("keras", keras),))
    return Section(
        "Keras",
        _rows([("version", lambda: keras.__version__), ("backend", keras.backend.backend)]),
    )


def _torch_devices(torch: ModuleType) -> list[str]:
    devices = ["cpu"]
    for index in range(torch.cuda.device_count()):
        devices.append(f"cuda:{index} ({torch.cuda.get_device_name(index)})")
    if torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def _torch_threads(torch: ModuleType) -> str:
    return f"intra-op {torch.get_num_threads()}, inter-op {torch.get_num_interop_threads()}"


def _torch_section(importer: Importer) -> Section:
    torch = _import("torch", importer)
    if isinstance(torch, str):
        return Section("PyTorch", (("torch", torch),))
    queries: list[tuple[str, Callable[[], object]]] = [
        ("version", lambda: torch.__version__),
        ("CUDA (built with)", lambda: torch.version.cuda or "none (CPU build)"),
        ("cuDNN", lambda: torch.backends.cudnn.version() or "none"),
        ("CUDA available", torch.cuda.is_available),
        ("devices", lambda: _torch_devices(torch)),
        ("threads", lambda: _torch_threads(torch)),
    ]
    return Section("PyTorch", _rows(queries))


def _default_lstm_problems(keras: ModuleType) -> list[str]:
    """What in a default ``keras.layers.LSTM`` rules out cuDNN, the device aside.

    The rules are those of :func:`lstm_notes.cudnn.keras_cudnn_report`, asked "on a GPU".
    """
    from lstm_notes.cudnn import keras_cudnn_report

    layer = keras.layers.LSTM(1)
    report = keras_cudnn_report(layer, backend=keras.backend.backend(), gpu=True)
    return [reason.problem for reason in report.layer_reasons]


def _backend_gpu(backend: str, importer: Importer) -> bool:
    """Whether the Keras backend sees a GPU that its cuDNN path can use."""
    if backend == "tensorflow":
        return bool(importer("tensorflow").config.list_logical_devices("GPU"))
    if backend == "torch":
        torch = importer("torch")
        return bool(torch.cuda.is_available() and torch.backends.cudnn.is_available())
    if backend == "jax":
        return bool(importer("jax").default_backend() == "gpu")
    return False  # the numpy and openvino backends have no cuDNN path


def _cudnn_verdict(keras: ModuleType, importer: Importer) -> str:
    problems = _default_lstm_problems(keras)
    if problems:
        return "no: the defaults rule it out: " + ", ".join(problems)
    backend = keras.backend.backend()
    if not _backend_gpu(backend, importer):
        return f"no: the {backend} backend sees no GPU (on a GPU the defaults would use cuDNN)"
    return f"yes: the defaults allow cuDNN and the {backend} backend sees a GPU"


def _cudnn_section(importer: Importer) -> Section:
    keras = _import("keras", importer)
    if isinstance(keras, str):
        return Section(CUDNN_SECTION, (("default LSTM uses cuDNN", f"no: keras {keras}"),))
    queries = [("default LSTM uses cuDNN", lambda: _cudnn_verdict(keras, importer))]
    return Section(CUDNN_SECTION, _rows(queries))


def doctor(importer: Importer = importlib.import_module) -> DoctorReport:
    """Inspect this environment: versions, devices, threads, and the Keras cuDNN path.

    Parameters
    ----------
    importer
        Imports a module by name; ``importlib.import_module`` by default. Pass one that raises
        ``ImportError`` to see how the report reads on a machine without a framework.

    Returns
    -------
    DoctorReport
        Sections "Python", "NumPy", "TensorFlow", "Keras", "PyTorch" and "Keras LSTM and cuDNN".
        A missing framework appears as the value ``"not installed"``.

    Examples
    --------
    >>> def numpy_only(name):
    ...     if name != "numpy":
    ...         raise ImportError(f"No module named {name!r}")
    ...     return importlib.import_module(name)
    >>> report = doctor(importer=numpy_only).as_dict()
    >>> report["PyTorch"]
    {'torch': 'not installed'}
    >>> report["Keras LSTM and cuDNN"]["default LSTM uses cuDNN"]
    'no: keras not installed'
    """
    return DoctorReport(
        (
            _python_section(),
            _numpy_section(importer),
            _tensorflow_section(importer),
            _keras_section(importer),
            _torch_section(importer),
            _cudnn_section(importer),
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
    print(json.dumps(report.as_dict(), indent=2) if args.json else _banner() + report.format())
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


def _banner() -> str:
    title = "LSTM Notes environment doctor"
    return f"{title}\n{'=' * len(title)}\n\n"
