"""Port a whole Keras model to PyTorch: :func:`port_model` and :func:`export_torch`.

Both read the model's graph and write the source of one ``nn.Module`` class, layer by layer
(:mod:`lstm_notes.port_graph`); :func:`port_model` runs that source in memory, and
:func:`export_torch` writes it to a file, with the weights beside it, after checking the written
file against Keras. Masks are carried exactly as Keras computes and uses them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lstm_notes.compare import max_abs_diff, to_numpy
from lstm_notes.errors import PortError
from lstm_notes.port_graph import generate, graph_nodes, keras_graph

__all__ = ["Export", "export_torch", "port_model", "sample_inputs", "verify"]

CODE_FILE, WEIGHTS_FILE = "model.py", "weights.pt"


def _instantiate(namespace: dict[str, Any], class_name: str, state_dict: dict[str, Any]) -> Any:
    module = namespace[class_name]()
    module.load_state_dict(state_dict)
    return module.eval()


def port_model(model: Any) -> Any:
    """Build a PyTorch module that computes what a Keras ``Sequential`` or functional model does.

    Parameters
    ----------
    model
        A built Keras model whose layers are all supported (see the chapter "Porting a whole
        model"): embeddings and masking, LSTM/GRU/SimpleRNN and ``Bidirectional``, dense, merge,
        pooling, convolution, normalisation and reshaping layers.

    Returns
    -------
    torch.nn.Module
        In eval mode; ``forward(*inputs)`` takes the model's inputs in Keras layout (batch first,
        integer token ids for an ``Embedding``) and returns what ``model(inputs)`` returns: one
        tensor, or a list in the same order.

    Raises
    ------
    PortError
        Naming every layer that cannot be ported, and what is supported. Nothing is ported then.

    Notes
    -----
    The module computes what Keras computes on the backend that is active when it is built. The
    backends differ in one case: a masked ``Bidirectional`` of ``unroll=True`` layers returning
    sequences outputs zeros at masked steps on TensorFlow and PyTorch, but repeats the previous
    output on JAX (whose unrolled loop ignores ``zero_output_for_mask``); the port follows.

    Examples
    --------
    >>> import keras, numpy as np, torch
    >>> model = keras.Sequential([
    ...     keras.Input((5,), dtype="int32"),
    ...     keras.layers.Embedding(10, 3, mask_zero=True),
    ...     keras.layers.LSTM(4),
    ...     keras.layers.Dense(2, activation="softmax"),
    ... ])
    >>> tokens = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 7, 1]], dtype="int32")
    >>> module = port_model(model)
    >>> bool(np.allclose(model(tokens), module(torch.from_numpy(tokens)).detach(), atol=1e-5))
    True
    """
    generated = generate(model)
    namespace = _execute(generated.source, f"<port of {model.name}>", generated.class_name)
    return _instantiate(namespace, generated.class_name, generated.state_dict)


def _execute(source: str, filename: str, class_name: str) -> dict[str, Any]:
    """Run generated code in a fresh namespace, without importing it (so no bytecode is cached
    beside a written file)."""
    namespace: dict[str, Any] = {"__name__": f"lstm_notes_port_{class_name}"}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def _consumers(graph: Any, tensor: Any) -> list[Any]:
    return [
        node.operation
        for node in graph_nodes(graph)
        if any(t is tensor for t in node.input_tensors)
    ]


def _keep(batch_size: int, seq_len: int) -> np.ndarray:
    """Which steps are real: right-padded, left-padded, full, and a hole in the middle."""
    keep = np.ones((batch_size, seq_len), dtype=bool)
    keep[0, max(1, seq_len - 2) :] = False
    keep[1 % batch_size, : min(3, seq_len - 1)] = False
    if batch_size > 3 and seq_len > 3:
        keep[3, 2] = False
    return keep


def sample_inputs(model: Any, batch_size: int = 4, seq_len: int = 7, seed: int = 0) -> list[Any]:
    """Random inputs of the model's shapes, with padding wherever the model masks.

    Token ids for inputs that feed an ``Embedding`` (zeros as padding with ``mask_zero=True``),
    ``mask_value`` steps for inputs that feed ``Masking``, normal noise otherwise. Undefined
    dimensions become ``batch_size`` and ``seq_len``.

    >>> import keras
    >>> layers = [keras.Input((None, 3)), keras.layers.Masking(), keras.layers.GRU(2)]
    >>> model = keras.Sequential(layers)
    >>> [x.shape for x in sample_inputs(model)]
    [(4, 7, 3)]
    """
    rng = np.random.default_rng(seed)
    graph = keras_graph(model)
    samples = []
    for tensor in graph.inputs:
        shape = [batch_size] + [seq_len if d is None else int(d) for d in tensor.shape[1:]]
        users = _consumers(graph, tensor)
        embeddings = [op for op in users if type(op).__name__ == "Embedding"]
        maskings = [op for op in users if type(op).__name__ == "Masking"]
        keep = _keep(shape[0], shape[1]) if len(shape) > 1 else None
        if embeddings:
            x = rng.integers(1, min(op.input_dim for op in embeddings), size=shape).astype("int32")
            if any(op.mask_zero for op in embeddings) and keep is not None:
                x[~keep] = 0
        else:
            x = rng.normal(size=shape).astype("float32")
            if maskings and keep is not None:
                x[~keep] = maskings[0].mask_value
        samples.append(x)
    return samples


def _flatten(outputs: Any) -> list[Any]:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def verify(model: Any, module: Any, inputs: list[Any] | None = None) -> list[float]:
    """The largest absolute difference between Keras and PyTorch, one number per output.

    >>> import keras
    >>> model = keras.Sequential([keras.Input((6, 2)), keras.layers.SimpleRNN(3)])
    >>> verify(model, port_model(model))[0] < 1e-5
    True
    """
    return [max_abs_diff(a, b) for a, b in _both_outputs(model, module, inputs)]


def _both_outputs(model: Any, module: Any, inputs: list[Any] | None) -> list[tuple[Any, Any]]:
    """Pairs (Keras output, PyTorch output) as NumPy arrays, on ``inputs`` or sample inputs."""
    import torch

    inputs = sample_inputs(model) if inputs is None else inputs
    expected = model(inputs if len(inputs) > 1 else inputs[0], training=False)
    with torch.no_grad():
        got = module(*(torch.from_numpy(to_numpy(x)) for x in inputs))
    pairs = zip(_flatten(expected), _flatten(got), strict=True)
    return [(to_numpy(a), to_numpy(b)) for a, b in pairs]


@dataclass
class Export:
    """What :func:`export_torch` wrote: the code, the weights, and the check it ran."""

    code: Path
    weights: Path
    class_name: str
    max_differences: list[float]


def _load_written(folder: Path, class_name: str) -> Any:
    """Run the written file in a fresh namespace and load the written weights into it."""
    import torch

    code = folder / CODE_FILE
    namespace = _execute(code.read_text(), str(code), class_name)
    state = torch.load(folder / WEIGHTS_FILE, weights_only=True)
    return _instantiate(namespace, class_name, state)


def _check_target(directory: Path, overwrite: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise PortError(f"{directory} exists and is not a directory; choose another output path")
    if directory.is_dir() and any(directory.iterdir()) and not overwrite:
        raise PortError(
            f"{directory} exists and is not empty; choose a new directory or pass overwrite=True "
            f"(--force on the command line) to replace its {CODE_FILE} and {WEIGHTS_FILE}"
        )


def export_torch(
    model: Any,
    directory: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    atol: float = 1e-5,
    progress: Callable[[str], None] | None = None,
) -> Export:
    """Write the model as readable PyTorch code plus a ``state_dict``, checked against Keras.

    Parameters
    ----------
    model
        As for :func:`port_model`.
    directory
        Where ``model.py`` (one ``nn.Module`` class; imports only torch) and ``weights.pt``
        (load with ``torch.load(..., weights_only=True)``) go. Created if missing.
    overwrite
        Replace those two files in a non-empty ``directory`` (other files are left alone).
    atol
        The largest difference from Keras accepted on random inputs, per output; for an output
        whose largest value exceeds 1 in magnitude, relative to that value.
    progress
        Called with ``"name (Class)"`` as each layer is ported (the command line prints it).

    Returns
    -------
    Export
        The paths written, the class name, and the largest difference per output.

    Raises
    ------
    PortError
        When a layer cannot be ported, the directory is not empty, or the written code does not
        reproduce Keras within ``atol``. Nothing is written then.

    Examples
    --------
    >>> import keras, tempfile
    >>> model = keras.Sequential([keras.Input((4, 2)), keras.layers.GRU(3)], name="tiny")
    >>> result = export_torch(model, tempfile.mkdtemp())
    >>> result.code.name, result.class_name, result.max_differences[0] < 1e-5
    ('model.py', 'Tiny', True)
    """
    import torch

    directory = Path(directory)
    _check_target(directory, overwrite)
    generated = generate(model, progress)
    parent = directory.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lstm_notes-export-", dir=parent))
    try:
        (staging / CODE_FILE).write_text(generated.source)
        torch.save(generated.state_dict, staging / WEIGHTS_FILE)
        pairs = _both_outputs(model, _load_written(staging, generated.class_name), None)
        differences = [max_abs_diff(a, b) for a, b in pairs]
        for (expected, _), difference in zip(pairs, differences, strict=True):
            limit = atol * max(1.0, float(np.abs(expected).max(initial=0.0)))
            if not difference <= limit:
                raise PortError(
                    f"the written module differs from Keras by {difference:.3g}, more than "
                    f"{limit:.3g}; nothing was written. Please report this model: it is a bug "
                    "in lstm_notes"
                )
        if not directory.exists():
            os.replace(staging, directory)
        else:
            for name in (CODE_FILE, WEIGHTS_FILE):
                os.replace(staging / name, directory / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Export(
        directory / CODE_FILE, directory / WEIGHTS_FILE, generated.class_name, differences
    )
