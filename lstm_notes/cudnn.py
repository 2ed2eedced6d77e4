"""Will Keras use the fused cuDNN kernel for this layer? Every reason why not, and what to change.

Keras leaves the cuDNN kernel silently: the layer still works, on the generic kernel, which is
slower on a GPU (by how much depends on the GPU and the sizes; this package records no GPU run).
The rules below are read from the Keras 3 source (paths relative to ``keras/src``):

- ``layers/rnn/lstm.py`` and ``layers/rnn/gru.py``, ``inner_loop``: the fused kernel is tried
  only when ``use_cudnn`` is ``"auto"`` or ``True`` **and** ``recurrent_dropout`` is 0; if it is
  not possible and ``use_cudnn=True``, the call raises ``ValueError`` instead of falling back.
- ``backend/<backend>/rnn.py``, ``cudnn_ok``: ``activation`` is tanh, ``recurrent_activation`` is
  sigmoid, ``unroll`` is False, ``use_bias`` is True (for a GRU also ``reset_after``), and the
  backend sees a GPU.
- The mask. TensorFlow backend: ``_cudnn_lstm``/``_cudnn_gru`` check it with ``tf.Assert``
  (``_assert_valid_mask``): right-padded, no fully masked row. In an eager call the failed
  assertion raises at once, inside a ``try`` that falls back to the generic kernel; inside a
  ``tf.function`` (``fit``, ``predict``, ``evaluate``) it fails when the graph *runs*, on a GPU,
  with ``InvalidArgumentError``, outside that ``try``. JAX and PyTorch backends: any mask sends
  the layer to the generic kernel.
- ``layers/rnn/bidirectional.py``: both directions must qualify. On JAX and PyTorch a fused call
  for both directions is tried first; it also needs no mask and no ``dropout``.
- ``SimpleRNN`` and the generic ``keras.layers.RNN(cell)`` have no cuDNN path at all, and neither
  has a GRU on the JAX backend: ``backend/jax/rnn.py`` takes its cuDNN kernel from
  ``jax.experimental.rnn``, which offers only an LSTM, so ``gru`` there is a ``lax.scan`` with the
  input projection computed once for all steps (taken when ``reset_after`` is True, ``unroll`` is
  False and there is no mask; otherwise it raises ``NotImplementedError`` and the layer runs its
  generic loop).
- ``use_cudnn=True`` raises only when the backend's ``lstm``/``gru`` raises ``NotImplementedError``.
  TensorFlow and JAX's ``lstm`` do whenever cuDNN cannot run; JAX's ``gru`` (the scan above) and
  PyTorch's ``lstm`` and ``gru`` (``_fallback_lstm``/``_fallback_gru`` off the GPU) run a fused
  loop of their own instead, and refuse only a mask or, for a GRU, ``reset_after=False`` (JAX's
  also ``unroll=True``).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from lstm_notes import _validate
from lstm_notes._frameworks import is_keras_layer
from lstm_notes._layer import read_layer, unsupported
from lstm_notes.cudnn_report import MASK_RAISES, CudnnReport, Reason
from lstm_notes.errors import ArgumentError, UnsupportedLayerError
from lstm_notes.masks import as_bool_mask, misaligned_rows

__all__ = ["BACKENDS", "CudnnReport", "Reason", "backend_sees_gpu", "keras_cudnn_report"]

BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")
"""The Keras 3 backends; only the first three have a cuDNN path."""
_FUSED = ("tensorflow", "jax", "torch")
_SUPPORTED = "a keras.layers.LSTM, GRU, SimpleRNN or RNN layer, or a Bidirectional of one"
_NEEDED_BY = "keras_cudnn_report()"
_DIRECTIONS = ("forward_layer", "backward_layer")


def _activation_sets(backend: str) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The functions each backend's ``cudnn_ok`` accepts as tanh and sigmoid (by identity)."""
    import keras

    tanh: tuple[Any, ...] = (keras.activations.tanh, keras.ops.tanh)
    sigmoid: tuple[Any, ...] = (keras.activations.sigmoid, keras.ops.sigmoid)
    native = {"tensorflow": "tensorflow", "jax": "jax.numpy", "torch": "torch"}.get(backend)
    module = sys.modules.get(native or "")
    if module is not None:
        tanh += (module.tanh,)
        if backend != "jax":  # the JAX backend accepts jnp.tanh, but no JAX sigmoid
            sigmoid += (module.sigmoid,)
    return tanh, sigmoid


def _name(function: Any) -> str:
    return getattr(function, "__name__", repr(function))


def _layer_reasons(layer: Any, kind: str, where: str, backend: str) -> list[Reason]:
    """Configuration reasons for one LSTM or GRU layer (not wrapped)."""
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
            "use recurrent_activation='sigmoid' (the default since TF 2.0's tf.keras; "
            "'hard_sigmoid' was the default of standalone Keras up to 2.2 and of TF 1.x, and "
            "models from then carry it)",
        ),
        (
            layer.unroll,
            "unroll=True",
            "pass unroll=False (the default): unrolling computes the same numbers, with a graph "
            "that grows with seq_len",
        ),
        (not cell.use_bias, "use_bias=False", "pass use_bias=True (the default)"),
    ]
    if kind == "GRU":
        checks.append(
            (
                not cell.reset_after,
                "reset_after=False",
                "pass reset_after=True (the default; the bias shape becomes (2, 3 * units))",
            )
        )
    return [Reason("layer", where, problem, fix) for failed, problem, fix in checks if failed]


def _jax_gru_reason(where: str) -> Reason:
    problem = "the jax backend has no cuDNN GRU (jax.experimental.rnn offers only an LSTM)"
    fix = "use an LSTM for cuDNN on JAX, or the tensorflow or torch backend for a cuDNN GRU"
    return Reason("layer", where, problem + ": Keras runs the GRU as a lax.scan", fix)


def _fused_fallback(layer: Any, kind: str | None, backend: str, mask: np.ndarray | None) -> bool:
    """Whether the backend's ``lstm``/``gru`` runs this layer without cuDNN rather than raise."""
    cell = layer.cell
    if kind not in ("LSTM", "GRU") or backend not in ("jax", "torch") or cell.recurrent_dropout:
        return False
    if backend == "jax":
        return kind == "GRU" and cell.reset_after and not layer.unroll and mask is None
    return mask is None and (kind == "LSTM" or cell.reset_after)


def _mask_reasons(mask: np.ndarray, backend: str) -> list[Reason]:
    """Input reasons from a boolean mask of shape ``(batch_size, seq_len)``."""
    if backend != "tensorflow":
        return [
            Reason(
                "input",
                "mask",
                f"the {backend} backend's cuDNN path takes no mask: with any mask the layer "
                "falls back to the generic kernel",
                "batch sequences of equal length (bucketing) and call without a mask, or use "
                "the TensorFlow backend, whose cuDNN path takes right-padded masks",
            )
        ]
    bad = [
        (rows, what)
        for rows, what in (
            (misaligned_rows(mask, "post"), "not right-padded in row(s)"),
            (np.flatnonzero(~mask.any(axis=1)), "fully masked row(s)"),
        )
        if rows.size
    ]
    return [
        Reason(
            "input",
            "mask",
            f"mask {what} {rows[:5].tolist()}{'...' if rows.size > 5 else ''}: an eager call "
            f"falls back to the generic kernel, but the layer {MASK_RAISES} (tf.Assert in "
            "_assert_valid_mask fails inside the tf.function with InvalidArgumentError)",
            "pad on the right, e.g. keras.utils.pad_sequences(..., padding='post'), and drop "
            "empty sequences; or pass use_cudnn=False to the layer",
        )
        for rows, what in bad
    ]


def backend_sees_gpu(backend: str) -> bool:
    """Whether a Keras backend sees a GPU its cuDNN path can use (imports that backend).

    >>> backend_sees_gpu("numpy")
    False
    """
    backend = _validate.choice(backend, "backend", BACKENDS)
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_logical_devices("GPU"))
    if backend == "torch":
        import torch

        return bool(torch.cuda.is_available() and torch.backends.cudnn.is_available())
    if backend == "jax":
        import jax

        return bool(jax.default_backend() == "gpu")
    return False


def _environment_reasons(backend: str, gpu: bool | None) -> list[Reason]:
    """Reasons from the Keras backend and the hardware (``gpu=None``: ask the backend)."""
    if backend not in _FUSED:
        problem = f"the {backend} backend of Keras has no cuDNN path"
        fix = "set KERAS_BACKEND to tensorflow, jax or torch before importing keras"
        return [Reason("environment", "backend", problem, fix)]
    if gpu if gpu is not None else backend_sees_gpu(backend):
        return []
    problem = f"would use cuDNN on a GPU, but no GPU is visible to the {backend} backend"
    fix = f"run on a machine with an NVIDIA GPU and a CUDA build of {backend}"
    return [Reason("environment", "device", problem, fix)]


def _recurrent_layers(layer: Any) -> list[tuple[str, Any, str | None]]:
    """Each layer to check (both halves of a wrapper): where, the layer, its kind (None: RNN)."""
    if not is_keras_layer(layer):
        raise unsupported(layer, _NEEDED_BY, _SUPPORTED)
    import keras

    if isinstance(layer, keras.layers.Bidirectional):
        parts = [(f"{layer.name}.{p}", getattr(layer, p)) for p in _DIRECTIONS]
    else:
        parts = [(layer.name, layer)]
    read = []
    for where, part in parts:
        if not isinstance(part, keras.layers.RNN):
            raise unsupported(part, _NEEDED_BY, _SUPPORTED)
        try:
            kind = read_layer(part, _NEEDED_BY).kind
        except UnsupportedLayerError:  # the generic RNN(cell): checked, never on cuDNN
            kind = None
        read.append((where, part, kind))
    return read


def _no_cudnn_path(layer: Any, kind: str | None, where: str) -> Reason:
    if kind == "SimpleRNN":
        problem, fix = "SimpleRNN has no cuDNN kernel in Keras", "use LSTM or GRU for cuDNN speed"
    else:
        problem = f"the generic keras.layers.RNN({type(layer.cell).__name__}) never uses cuDNN"
        fix = "use keras.layers.LSTM(units) or keras.layers.GRU(units) instead of RNN(cell)"
    return Reason("layer", where, problem, fix)


def _bidirectional_notes(layer: Any, parts: list, backend: str) -> list[str]:
    """Why the fused two-direction call of the JAX and PyTorch backends is not taken."""
    if backend not in ("jax", "torch") or len(parts) == 1:
        return []
    cells = [(p, getattr(layer, p).cell) for p in _DIRECTIONS]
    dropouts = [f"{p}.dropout={cell.dropout}" for p, cell in cells if cell.dropout]
    if not dropouts:
        return []
    return [
        f"the {backend} backend's fused call for both directions is refused "
        f"({', '.join(dropouts)}); each direction runs its own cuDNN call"
    ]


def keras_cudnn_report(
    layer: Any,
    mask: Any = None,
    *,
    backend: str | None = None,
    gpu: bool | None = None,
) -> CudnnReport:
    """Check whether Keras will run ``layer`` on the cuDNN kernel, and why not.

    Parameters
    ----------
    layer : keras.layers.LSTM, GRU, SimpleRNN, RNN or Bidirectional
        The layer instance as configured (built or not). A ``Bidirectional`` wrapper is checked
        in both directions.
    mask : array-like of bool, optional
        The ``(batch_size, seq_len)`` mask the layer will receive (``True`` = real step), e.g. from
        ``keras.layers.Masking`` or ``Embedding(mask_zero=True)``; 0/1 numbers are accepted.
    backend : {"tensorflow", "jax", "torch", "numpy", "openvino"}, optional
        Keras backend to assume; default ``keras.backend.backend()``.
    gpu : bool, optional
        Whether a GPU is visible; default: ask the backend. Pass ``gpu=True`` to ask "what would
        happen on a GPU machine?".

    Returns
    -------
    CudnnReport
        ``.eligible`` (also its truth value), ``.eligible_on_gpu``, ``.raises_under_fit`` and
        ``.reasons``, each with its ``kind`` (``"layer"``, ``"input"`` or ``"environment"``) and a
        ``fix``.

    Raises
    ------
    UnsupportedLayerError
        If ``layer`` is not a Keras recurrent layer instance (a PyTorch module, ``None``, a class).
    MaskError
        If ``mask`` is not a two-dimensional array of booleans (or 0/1).
    ArgumentError
        If ``backend`` is not a Keras backend name or ``gpu`` is not a bool or None.

    Examples
    --------
    >>> import keras
    >>> report = keras_cudnn_report(keras.layers.LSTM(8, recurrent_dropout=0.1), gpu=True)
    >>> report.eligible, [r.problem for r in report.reasons]
    (False, ['recurrent_dropout=0.1'])
    >>> left_padded = [[False, True, True], [True, True, True]]
    >>> keras_cudnn_report(keras.layers.GRU(8), left_padded, gpu=True).raises_under_fit
    True
    """
    parts = _recurrent_layers(layer)
    import keras

    backend = keras.backend.backend() if backend is None else backend
    backend = _validate.choice(backend, "backend", BACKENDS, error=ArgumentError)
    if gpu is not None:
        gpu = _validate.flag(gpu, "gpu", error=ArgumentError)
    values = None if mask is None else as_bool_mask(mask)
    reasons: list[Reason] = []
    jax_grus = [part for _, part, kind in parts if backend == "jax" and kind == "GRU"]
    for where, part, kind in parts:
        if part in jax_grus:
            reasons.append(_jax_gru_reason(where))
        elif kind in ("LSTM", "GRU"):
            reasons += _layer_reasons(part, kind, where, backend)
        else:
            reasons.append(_no_cudnn_path(part, kind, where))
    if values is not None and not reasons:  # the mask matters only on the cuDNN path
        reasons += _mask_reasons(values, backend)
    return CudnnReport(
        layer_name=layer.name,
        layer_class=type(layer).__name__,
        use_cudnn=getattr(parts[0][1], "use_cudnn", None),
        backend=backend,
        reasons=tuple(reasons + _environment_reasons(backend, gpu)),
        notes=tuple(_bidirectional_notes(layer, parts, backend) if not reasons else ()),
        fused_fallback=all(_fused_fallback(p, kind, backend, values) for _, p, kind in parts),
    )
