"""Will Keras use the fast cuDNN kernel for this layer? Every reason why not, and what to change.

Keras leaves the cuDNN kernel silently: the layer still works, only many times slower. The rules
below are read from the Keras 3.15 source (paths relative to ``keras/src``):

- ``layers/rnn/lstm.py`` and ``layers/rnn/gru.py``, ``inner_loop``: the fused kernel is tried
  only when ``use_cudnn`` is ``"auto"`` or ``True`` **and** ``recurrent_dropout`` is 0; if it is
  not possible and ``use_cudnn=True``, the call raises ``ValueError`` instead of falling back.
- ``backend/tensorflow/rnn.py``, ``cudnn_ok`` with ``_do_lstm_arguments_support_cudnn`` and
  ``_do_gru_arguments_support_cudnn``: ``activation`` is tanh, ``recurrent_activation`` is sigmoid,
  ``unroll`` is False, ``use_bias`` is True, for a GRU also ``reset_after`` is True; and
  ``_is_gpu_available()``: TensorFlow sees a GPU.
- ``backend/tensorflow/rnn.py``, ``_assert_valid_mask`` (``_is_sequence_right_padded``,
  ``_has_fully_masked_sequence``): a mask must be right-padded (all ``True`` then all ``False`` in
  every row) and no row may be fully masked.
- ``layers/rnn/bidirectional.py``: the wrapper runs a forward and a backward copy of the layer;
  each must qualify.
- ``SimpleRNN`` and the generic ``keras.layers.RNN(cell)`` have no cuDNN path at all.

The rules are for the TensorFlow backend. The JAX and PyTorch backends of Keras 3.15 have fused
paths of their own with other rules (any mask disables them: ``backend/jax/rnn.py``,
``backend/torch/rnn.py``); the report says so instead of guessing.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from lstm_notes._tables import html_table

if TYPE_CHECKING:
    import keras

__all__ = ["CudnnReport", "Reason", "UnsupportedLayerError", "keras_cudnn_report"]

Kind = Literal["layer", "input", "environment"]


class UnsupportedLayerError(TypeError):
    """Raised when the object given is not a Keras recurrent layer."""


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
    """

    layer_name: str
    layer_class: str
    use_cudnn: Any
    reasons: tuple[Reason, ...]

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
        """True when ``use_cudnn=True`` was asked for but is impossible: the call raises."""
        return self.use_cudnn is True and not self.eligible

    def __bool__(self) -> bool:
        return self.eligible

    def __str__(self) -> str:
        head = f"{self.layer_class} {self.layer_name!r}: "
        if self.eligible:
            return head + "uses the cuDNN kernel."
        verdict = "would use cuDNN on a GPU, but: " if self.eligible_on_gpu else "no cuDNN: "
        lines = [head + verdict + f"{len(self.reasons)} reason(s)"]
        lines += [f"  - {reason}" for reason in self.reasons]
        if self.raises_on_call:
            lines.append("  ! use_cudnn=True: calling this layer raises ValueError")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        name = html.escape(f"{self.layer_class} {self.layer_name}")
        if self.eligible:
            return f"<p><b>{name}</b>: uses the cuDNN kernel.</p>"
        return html_table(
            ("kind", "where", "problem", "what to change"),
            [(r.kind, r.where, r.problem, r.fix) for r in self.reasons],
            caption=f"{self.layer_class} {self.layer_name}: not on cuDNN",
        )


def _activation_sets(backend: str) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The function objects Keras accepts as tanh and sigmoid (``cudnn_ok`` compares identity)."""
    import keras

    tanh: tuple[Any, ...] = (keras.activations.tanh, keras.ops.tanh)
    sigmoid: tuple[Any, ...] = (keras.activations.sigmoid, keras.ops.sigmoid)
    if backend == "tensorflow":
        import tensorflow as tf

        tanh, sigmoid = (*tanh, tf.tanh), (*sigmoid, tf.sigmoid)
    return tanh, sigmoid


def _name(function: Any) -> str:
    return getattr(function, "__name__", repr(function))


def _layer_reasons(layer: keras.layers.Layer, where: str, backend: str) -> list[Reason]:
    """Configuration reasons for one LSTM or GRU layer (not wrapped)."""
    import keras

    cell = layer.cell
    tanh, sigmoid = _activation_sets(backend)
    checks = [
        (layer.use_cudnn is False, "use_cudnn=False", "pass use_cudnn='auto' (the default)"),
        (
            bool(cell.recurrent_dropout),
            f"recurrent_dropout={cell.recurrent_dropout}",
            "set recurrent_dropout=0; regularise with dropout= (input dropout keeps cuDNN) "
            "or a Dropout layer between recurrent layers",
        ),
        (
            cell.activation not in tanh,
            f"activation={_name(cell.activation)}",
            "use activation='tanh' (the default)",
        ),
        (
            cell.recurrent_activation not in sigmoid,
            f"recurrent_activation={_name(cell.recurrent_activation)}",
            "use recurrent_activation='sigmoid' (the default; Keras 2 ports often carry "
            "'hard_sigmoid')",
        ),
        (layer.unroll, "unroll=True", "pass unroll=False (the default)"),
        (not cell.use_bias, "use_bias=False", "pass use_bias=True (the default)"),
    ]
    if isinstance(layer, keras.layers.GRU):
        checks.append(
            (
                not cell.reset_after,
                "reset_after=False",
                "pass reset_after=True (the default; the bias shape becomes (2, 3 * units))",
            )
        )
    return [Reason("layer", where, problem, fix) for failed, problem, fix in checks if failed]


def _mask_reasons(mask: Any) -> list[Reason]:
    """Input reasons from a boolean mask of shape ``(batch_size, seq_len)``."""
    values = mask.numpy() if hasattr(mask, "numpy") else mask
    values = np.asarray(values).astype(bool)
    if values.ndim != 2:
        raise ValueError(
            f"mask must have shape (batch_size, seq_len); got shape {values.shape}. "
            "Pass the 2-D boolean mask Keras would pass to the layer (True = real step)."
        )
    reasons = []
    lengths = values.sum(axis=1)
    right_padded = np.arange(values.shape[1])[None, :] < lengths[:, None]
    bad_rows = np.flatnonzero((values != right_padded).any(axis=1))
    if bad_rows.size:
        reasons.append(
            Reason(
                "input",
                "mask",
                f"mask is not right-padded (rows {bad_rows[:5].tolist()}"
                f"{'...' if bad_rows.size > 5 else ''}): real steps must come first, padding last",
                "pad on the right, e.g. keras.utils.pad_sequences(..., padding='post'); "
                "otherwise cuDNN cannot run it (Keras asserts it in _assert_valid_mask)",
            )
        )
    empty_rows = np.flatnonzero(lengths == 0)
    if empty_rows.size:
        reasons.append(
            Reason(
                "input",
                "mask",
                f"fully masked row(s) {empty_rows[:5].tolist()}: a sequence with no real step",
                "drop empty sequences from the batch or give each at least one real step",
            )
        )
    return reasons


def _environment_reasons(backend: str, gpu: bool | None) -> list[Reason]:
    """Reasons from the Keras backend and the hardware (``gpu=None``: ask TensorFlow)."""
    if backend != "tensorflow":
        return [
            Reason(
                "environment",
                "backend",
                f"Keras backend is {backend!r}; these rules are the TensorFlow backend's, and "
                f"the {backend} backend has its own fused path (disabled by any mask)",
                "set KERAS_BACKEND=tensorflow before importing keras, or read "
                f"keras/src/backend/{backend}/rnn.py for that backend's rules",
            )
        ]
    if gpu is None:
        import tensorflow as tf

        gpu = bool(tf.config.list_logical_devices("GPU"))
    if gpu:
        return []
    return [
        Reason(
            "environment",
            "device",
            "would use cuDNN on a GPU, but no GPU is visible to TensorFlow",
            "run on a machine with an NVIDIA GPU and a CUDA build of TensorFlow "
            "(pip install 'tensorflow[and-cuda]'); check with "
            "tf.config.list_logical_devices('GPU')",
        )
    ]


def _recurrent_layers(layer: Any) -> list[tuple[str, Any]]:
    """The recurrent layers to check, each with where it sits (both halves of a wrapper)."""
    import keras

    if isinstance(layer, keras.layers.Bidirectional):
        parts = [
            (f"{layer.name}.{p}", getattr(layer, p)) for p in ("forward_layer", "backward_layer")
        ]
    else:
        parts = [(layer.name, layer)]
    for _, part in parts:
        if not isinstance(part, keras.layers.RNN):
            raise UnsupportedLayerError(
                "keras_cudnn_report() needs a keras.layers.LSTM, GRU, SimpleRNN, RNN or a "
                f"Bidirectional wrapper of one; got {type(part).__name__}"
            )
    return parts


def _no_cudnn_path(layer: Any, where: str) -> Reason:
    import keras

    if isinstance(layer, keras.layers.SimpleRNN):
        problem, fix = "SimpleRNN has no cuDNN kernel in Keras", "use LSTM or GRU for cuDNN speed"
    else:
        problem = f"the generic keras.layers.RNN({type(layer.cell).__name__}) never uses cuDNN"
        fix = "use keras.layers.LSTM(units) or keras.layers.GRU(units) instead of RNN(cell)"
    return Reason("layer", where, problem, fix)


def keras_cudnn_report(
    layer: keras.layers.Layer,
    mask: Any = None,
    *,
    backend: str | None = None,
    gpu: bool | None = None,
) -> CudnnReport:
    """Check whether Keras (TensorFlow backend) will run ``layer`` on the cuDNN kernel.

    Parameters
    ----------
    layer : keras.layers.LSTM, GRU, SimpleRNN, RNN or Bidirectional
        The layer as configured (built or not). A ``Bidirectional`` wrapper is checked in both
        directions.
    mask : array-like of bool, optional
        The ``(batch_size, seq_len)`` mask the layer will receive (``True`` = real step), e.g. from
        ``keras.layers.Masking`` or ``Embedding(mask_zero=True)``.
    backend : str, optional
        Keras backend to assume; default ``keras.backend.backend()``.
    gpu : bool, optional
        Whether a GPU is visible; default: ask ``tf.config.list_logical_devices("GPU")``. Pass
        ``gpu=True`` to ask "what would happen on a GPU machine?".

    Returns
    -------
    CudnnReport
        ``.eligible`` (also its truth value), ``.eligible_on_gpu``, and ``.reasons``, each with
        its ``kind`` (``"layer"``, ``"input"`` or ``"environment"``) and a ``fix``.

    Raises
    ------
    UnsupportedLayerError
        If ``layer`` is not a recurrent layer.
    ValueError
        If ``mask`` is not two-dimensional.

    Examples
    --------
    >>> import keras
    >>> report = keras_cudnn_report(keras.layers.LSTM(8, recurrent_dropout=0.1), gpu=True)
    >>> report.eligible, [r.problem for r in report.reasons]
    (False, ['recurrent_dropout=0.1'])
    >>> keras_cudnn_report(keras.layers.GRU(8), gpu=True).eligible
    True
    """
    import keras

    backend = backend or keras.backend.backend()
    reasons: list[Reason] = []
    parts = _recurrent_layers(layer)
    for where, part in parts:
        if isinstance(part, (keras.layers.LSTM, keras.layers.GRU)):
            reasons += _layer_reasons(part, where, backend)
        else:
            reasons.append(_no_cudnn_path(part, where))
    if mask is not None:
        reasons += _mask_reasons(mask)
    reasons += _environment_reasons(backend, gpu)
    return CudnnReport(
        layer_name=layer.name,
        layer_class=type(layer).__name__,
        use_cudnn=getattr(parts[0][1], "use_cudnn", None),
        reasons=tuple(reasons),
    )
