"""What a timing was measured on: the CPU, its bfloat16 support, the cores and library versions.

Nothing here imports a framework: versions are read from the modules already imported, and the
CPU's name and instruction-set flags from ``/proc/cpuinfo`` (Linux; elsewhere what ``platform``
knows, and no flags).

>>> cpu_count() >= 1
True
>>> "python" in library_versions()
True
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import sys

__all__ = [
    "BF16_FLAGS",
    "bf16_support",
    "cpu_count",
    "cpu_flags",
    "cpu_name",
    "library_versions",
    "provenance",
]

BF16_FLAGS = {
    "amx_bf16": "AMX-BF16 (bf16 matrix tiles)",
    "avx512_bf16": "AVX512-BF16 (bf16 dot products)",
}
"""The ``/proc/cpuinfo`` flags that mean bfloat16 arithmetic in hardware, and what each is."""


def _cpuinfo_field(name: str) -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.split(":", 1)[0].strip() == name:
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_name() -> str:
    """The CPU's model name, e.g. ``"AMD EPYC"`` (``platform`` knows less where there is no
    ``/proc/cpuinfo``).

    >>> isinstance(cpu_name(), str)
    True
    """
    return _cpuinfo_field("model name") or platform.processor() or platform.machine() or "unknown"


def cpu_flags() -> frozenset[str]:
    """The CPU's instruction-set flags from ``/proc/cpuinfo`` (empty where it does not exist).

    >>> isinstance(cpu_flags(), frozenset)
    True
    """
    return frozenset((_cpuinfo_field("flags") or "").split())


def bf16_support() -> dict[str, str]:
    """The bfloat16 hardware features this CPU has, ``{flag: description}``; empty means emulated.

    Without ``AMX-BF16`` or ``AVX512-BF16`` a bfloat16 product is converted to float32 and back
    by ordinary instructions: slower than float32, not faster.

    >>> set(bf16_support()) <= set(BF16_FLAGS)
    True
    """
    flags = cpu_flags()
    return {flag: text for flag, text in BF16_FLAGS.items() if flag in flags}


def cpu_count() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one).

    >>> cpu_count() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def library_versions() -> dict[str, str]:
    """Versions of Python, NumPy and every framework already imported (none is imported here).

    >>> library_versions()["python"] == platform.python_version()
    True
    """
    versions = {"python": platform.python_version()}
    for name in ("numpy", "torch", "tensorflow", "keras"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = str(getattr(module, "__version__", "unknown"))
    return versions


RECORDED_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8")
"""The CPU flags a results file records: the vector and matrix units that timings depend on."""


def provenance(load_at_start: tuple[float, ...], **extra: object) -> dict[str, object]:
    """Where, when and with what a benchmark ran, for the top of its results file.

    Parameters
    ----------
    load_at_start : tuple of float
        ``os.getloadavg()`` read when the run started (the load now is read here).
    **extra
        More fields (device, threads, quick, ...), added as given.

    Examples
    --------
    >>> record = provenance((0.5, 0.5, 0.5), quick=True)
    >>> record["quick"], record["cpu"]["model"] == cpu_name()
    (True, True)
    """
    load_now = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    return {
        "date_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python", *sys.argv]),
        "cpu_cores_available": cpu_count(),
        "cpu": {"model": cpu_name(), "flags": sorted(set(RECORDED_FLAGS) & cpu_flags())},
        "versions": library_versions(),
        "load_average_1_5_15_min": {
            "start": [round(x, 2) for x in load_at_start],
            "end": [round(x, 2) for x in load_now],
        },
        **extra,
    }
