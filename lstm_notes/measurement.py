"""What a timing found: :class:`Measurement` for one callable, :class:`Comparison` for several.

Both check what they are given (a measurement needs at least one block, no negative time, a
median above zero; a comparison needs unique labels), print as a text table and render as HTML
in a notebook. :func:`lstm_notes.timing.benchmark` and :func:`lstm_notes.timing.compare` make
them.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lstm_notes import _validate
from lstm_notes._tables import html_table, text_table
from lstm_notes.errors import BenchmarkError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Comparison", "Measurement", "format_seconds", "refuse_duplicates"]

_COMPARISON_HEADER = ("callable", "median", "IQR", "vs fastest")


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit that keeps three significant digits.

    Examples
    --------
    >>> format_seconds(0.0123)
    '12.3 ms'
    >>> format_seconds(2.5e-6)
    '2.5 µs'
    """
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


@dataclass(frozen=True)
class Measurement:
    """The time per call of one callable, with what ran and the conditions it ran under.

    Attributes
    ----------
    label : str
        A name for what was timed.
    times : tuple of float
        Seconds per call, one value per timed block (a block is ``number`` calls in a row); at
        least one, none negative, with a median above zero.
    number : int
        Calls per timed block.
    warmup : int
        Untimed calls made before the first block (for PyTorch, those of
        ``blocked_autorange``'s block-size estimate included).
    framework : str
        ``"torch"``, ``"tensorflow"`` or ``"python"``: which timing path was used.
    sync : str
        How the device was synchronised before each clock read.
    device : str
        Where the work ran, e.g. ``"cpu (AMD EPYC)"`` or ``"cuda (NVIDIA H100 80GB HBM3)"``.
    threads : int or None
        Intra-op CPU threads used by the framework (``None`` for plain Python).
    versions : dict
        Versions of Python, NumPy and of each framework already imported.

    Examples
    --------
    >>> m = Measurement("x", (0.5, 0.5), 1, 2, "python", "none", "cpu", None)
    >>> m.rate(1e9)
    2000000000.0
    >>> Measurement("x", (), 1, 2, "python", "none", "cpu", None)
    Traceback (most recent call last):
    ...
    lstm_notes.errors.BenchmarkError: times must hold at least one block's seconds per call; got ()
    """

    label: str
    times: tuple[float, ...]
    number: int
    warmup: int
    framework: str
    sync: str
    device: str
    threads: int | None
    versions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.label, str):
            raise BenchmarkError(f"label must be a str; got {self.label!r}")
        try:
            times = tuple(float(t) for t in self.times)
        except (TypeError, ValueError):
            raise BenchmarkError(f"times must be numbers of seconds; got {self.times!r}") from None
        if not times:
            raise BenchmarkError(
                f"times must hold at least one block's seconds per call; got {self.times!r}"
            )
        if not all(math.isfinite(t) and t >= 0 for t in times):
            raise BenchmarkError(f"times must be finite and not negative; got {times}")
        if statistics.median(times) == 0:
            raise BenchmarkError(
                f"times have a median of 0 ({times}): the clock did not advance while the "
                "callable ran, so there is nothing to report"
            )
        object.__setattr__(self, "times", times)
        _validate.size(self.number, "number", minimum=1, error=BenchmarkError)
        _validate.size(self.warmup, "warmup", minimum=0, error=BenchmarkError)

    @property
    def median(self) -> float:
        """Median seconds per call over the timed blocks."""
        return statistics.median(self.times)

    @property
    def iqr(self) -> float:
        """Interquartile range of the per-call times (0 with fewer than two blocks)."""
        if len(self.times) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(sorted(self.times), n=4, method="inclusive")
        return q3 - q1

    @property
    def min(self) -> float:
        """Fastest block, seconds per call."""
        return min(self.times)

    @property
    def max(self) -> float:
        """Slowest block, seconds per call."""
        return max(self.times)

    @property
    def repeats(self) -> int:
        """Number of timed blocks."""
        return len(self.times)

    def rate(self, flops: float) -> float:
        """FLOP/s achieved if one call performs ``flops`` floating-point operations."""
        return flops / self.median

    def as_dict(self) -> dict[str, Any]:
        """Every field plus the summary statistics, ready for ``json.dump``."""
        return {
            "label": self.label,
            "median_s": self.median,
            "iqr_s": self.iqr,
            "min_s": self.min,
            "max_s": self.max,
            "times_s": list(self.times),
            "number": self.number,
            "repeats": self.repeats,
            "warmup": self.warmup,
            "framework": self.framework,
            "sync": self.sync,
            "device": self.device,
            "threads": self.threads,
            "versions": dict(self.versions),
        }

    def __str__(self) -> str:
        threads = "" if self.threads is None else f", {self.threads} threads"
        return (
            f"{self.label}: median {format_seconds(self.median)} per call "
            f"(IQR {format_seconds(self.iqr)}, min {format_seconds(self.min)}, "
            f"max {format_seconds(self.max)}; {self.repeats} blocks x {self.number} calls after "
            f"{self.warmup} warm-up calls) on {self.device}{threads}; {self.framework}, "
            f"sync: {self.sync}"
        )

    def _repr_html_(self) -> str:
        rows = [
            ("median per call", format_seconds(self.median)),
            ("IQR", format_seconds(self.iqr)),
            ("min / max", f"{format_seconds(self.min)} / {format_seconds(self.max)}"),
            ("blocks x calls", f"{self.repeats} x {self.number} (after {self.warmup} warm-up)"),
            ("device", self.device),
            ("threads", "n/a" if self.threads is None else str(self.threads)),
            ("synchronisation", self.sync),
            ("versions", ", ".join(f"{k} {v}" for k, v in self.versions.items())),
        ]
        return html_table(None, rows, caption=self.label, row_headers=True)


@dataclass(frozen=True)
class Comparison:
    """Several measurements side by side: a table with ratios to the fastest, and a bar chart.

    Attributes
    ----------
    measurements : tuple of Measurement
        In the order they were given; labels are unique.
    """

    measurements: tuple[Measurement, ...]

    def __post_init__(self) -> None:
        measurements = tuple(self.measurements)
        if not measurements or not all(isinstance(m, Measurement) for m in measurements):
            raise BenchmarkError(f"a Comparison needs Measurement objects; got {measurements!r}")
        refuse_duplicates([m.label for m in measurements])
        object.__setattr__(self, "measurements", measurements)

    @property
    def fastest(self) -> Measurement:
        """The measurement with the smallest median."""
        return min(self.measurements, key=lambda m: m.median)

    @property
    def ratios(self) -> dict[str, float]:
        """Median of each measurement divided by the fastest median (1.0 for the fastest)."""
        best = self.fastest.median
        return {m.label: m.median / best for m in self.measurements}

    def rows(self) -> list[tuple[str, str, str, str]]:
        """Table rows: label, median, IQR and ratio to the fastest, formatted."""
        return [
            (m.label, format_seconds(m.median), format_seconds(m.iqr), f"{ratio:.2f}x")
            for m, ratio in zip(self.measurements, self.ratios.values(), strict=True)
        ]

    def __str__(self) -> str:
        return text_table(_COMPARISON_HEADER, self.rows(), align="lrrr")

    def _repr_html_(self) -> str:
        return html_table(_COMPARISON_HEADER, self.rows(), align="lrrr")

    def plot(self, ax: Axes | None = None) -> Axes:
        """Horizontal bars of the median time per call (ms), with min-max whiskers and ratios."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        ms = [(m.min * 1e3, m.median * 1e3, m.max * 1e3) for m in self.measurements]
        ax.barh(
            [m.label for m in self.measurements],
            [mid for _, mid, _ in ms],
            xerr=[[mid - low for low, mid, _ in ms], [high - mid for _, mid, high in ms]],
            color="tab:blue",
            capsize=3,
        )
        ax.invert_yaxis()
        ax.set_xlabel("median time per call (ms); whiskers: min to max")
        for y, ((_, _, high), ratio) in enumerate(zip(ms, self.ratios.values(), strict=True)):
            ax.annotate(f" {ratio:.2f}x", (high, y), va="center", fontsize=8)
        return ax


def refuse_duplicates(labels: list[str]) -> None:
    """Raise :class:`BenchmarkError` naming every label that appears more than once.

    >>> refuse_duplicates(["a", "b", "a"])
    Traceback (most recent call last):
    ...
    lstm_notes.errors.BenchmarkError: every label must be unique; ['a'] appear more than once
    """
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise BenchmarkError(f"every label must be unique; {repeated} appear more than once")
