"""The result of :func:`lstm_notes.keras_cudnn_report`: a verdict and its reasons.

>>> reason = Reason("layer", "lstm", "recurrent_dropout=0.2", "set recurrent_dropout=0")
>>> report = CudnnReport("lstm", "LSTM", "auto", "tensorflow", (reason,))
>>> bool(report), report.eligible_on_gpu
(False, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from lstm_notes._tables import html_table

__all__ = ["MASK_RAISES", "CudnnReport", "Reason"]

Kind = Literal["layer", "input", "environment"]
MASK_RAISES = "raises under fit/predict on a GPU"
"""The words a mask reason uses when the TensorFlow backend's cuDNN path would fail at run time."""


@dataclass(frozen=True)
class Reason:
    """One reason why Keras will not use the cuDNN kernel.

    Attributes
    ----------
    kind : {"layer", "input", "environment"}
        ``"layer"``: the layer's configuration; ``"input"``: the mask given with the input;
        ``"environment"``: the backend or the hardware, not the model.
    where : str
        Which layer it concerns, e.g. ``"lstm"`` or ``"bidirectional.backward_layer"``.
    problem : str
        What is wrong, naming the setting.
    fix : str
        What to change.
    """

    kind: Kind
    where: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.problem}. Fix: {self.fix}."


@dataclass(frozen=True)
class CudnnReport:
    """Whether Keras will run a layer on cuDNN, and every reason why not.

    ``bool(report)`` is ``report.eligible``. ``eligible_on_gpu`` ignores the environment
    reasons: it answers "would this layer and input use cuDNN on a machine with a GPU?".
    ``notes`` say what changes without leaving cuDNN (a fused ``Bidirectional`` call refused).
    """

    layer_name: str
    layer_class: str
    use_cudnn: Any
    backend: str
    reasons: tuple[Reason, ...]
    notes: tuple[str, ...] = ()
    fused_fallback: bool = False
    """Keras runs the layer on the backend's own fused loop when cuDNN cannot run (a JAX GRU, a
    PyTorch LSTM or GRU without a mask), so ``use_cudnn=True`` does not raise."""

    @property
    def eligible(self) -> bool:
        """True when Keras will use the cuDNN kernel here and now."""
        return not self.reasons

    @property
    def eligible_on_gpu(self) -> bool:
        """True when only the environment (no GPU, another backend) stands in the way."""
        return not self.layer_reasons

    @property
    def layer_reasons(self) -> tuple[Reason, ...]:
        """Reasons that come from the layer's configuration or from the mask."""
        return tuple(r for r in self.reasons if r.kind != "environment")

    @property
    def environment_reasons(self) -> tuple[Reason, ...]:
        """Reasons that come from the backend or the hardware."""
        return tuple(r for r in self.reasons if r.kind == "environment")

    @property
    def raises_on_call(self) -> bool:
        """True when ``use_cudnn=True`` was asked for but is impossible, so the call raises."""
        return self.use_cudnn is True and not self.eligible and not self.fused_fallback

    @property
    def raises_under_fit(self) -> bool:
        """True when the mask makes ``fit``/``predict``/``evaluate`` raise on a GPU (TensorFlow)."""
        return any(MASK_RAISES in r.problem for r in self.reasons)

    def __bool__(self) -> bool:
        return self.eligible

    def __str__(self) -> str:
        head = f"{self.layer_class} {self.layer_name!r} ({self.backend} backend): "
        if self.eligible:
            lines = [head + "uses the cuDNN kernel."]
        else:
            verdict = "would use cuDNN on a GPU, but: " if self.eligible_on_gpu else "no cuDNN: "
            lines = [head + verdict + f"{len(self.reasons)} reason(s)"]
            lines += [f"  - {reason}" for reason in self.reasons]
        lines += [f"  note: {note}" for note in self.notes]
        if self.raises_on_call:
            lines.append("  ! use_cudnn=True: calling this layer raises ValueError")
        if self.raises_under_fit:
            lines.append("  ! on a GPU, fit/predict/evaluate raise InvalidArgumentError")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return html_table(
            ("kind", "where", "problem", "what to change"),
            [(r.kind, r.where, r.problem, r.fix) for r in self.reasons]
            + [("note", "", note, "") for note in self.notes],
            caption=f"{self.layer_class} {self.layer_name} ({self.backend}): "
            + ("uses the cuDNN kernel" if self.eligible else "not on cuDNN"),
        )
