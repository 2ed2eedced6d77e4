"""Run the same Keras recurrent layers on several Keras backends, one process per backend.

Keras reads ``KERAS_BACKEND`` once, when ``keras`` is first imported, so one Python process runs
one backend. :func:`run_backends` starts ``python -m lstm_notes.backends`` once per backend with
``KERAS_BACKEND`` set in its environment, all at the same time. Weights, inputs and an optional
mask travel to the processes in one ``.npz`` file (:func:`save_cases`); each process writes its
outputs and final states to another ``.npz``, which comes back as a dict of arrays.

The same module reads the installed Keras source (:func:`keras_source_lines`), so a text can
quote the lines that choose a kernel and fail when they move.

Command line (what :func:`run_backends` runs)::

    KERAS_BACKEND=jax python -m lstm_notes.backends CASES.npz RESULTS.npz [--native] [--train]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from lstm_notes import _validate
from lstm_notes.errors import ArgumentError, LstmNotesError

__all__ = [
    "BACKENDS",
    "KINDS",
    "keras_source_lines",
    "keras_weights",
    "run_backends",
    "save_cases",
    "torch_train_step",
]

BACKENDS = ("tensorflow", "jax", "torch")
"""The Keras backends this module runs (the three with a fused recurrent kernel)."""
KINDS = ("LSTM", "GRU", "SimpleRNN")
"""The Keras layer classes a cases file may hold."""
_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}


def keras_weights(kind: str, input_size: int, hidden_size: int, seed: int = 0) -> list[np.ndarray]:
    """Random float32 weights in Keras's layout for ``keras.layers.<kind>(hidden_size)``.

    ``[kernel, recurrent_kernel, bias]`` with shapes ``(input_size, g * hidden_size)``,
    ``(hidden_size, g * hidden_size)`` and ``(g * hidden_size,)``, where ``g`` is 4 for an LSTM,
    3 for a GRU and 1 for a SimpleRNN; a GRU (``reset_after=True``, the default) has a bias of
    shape ``(2, 3 * hidden_size)``. Values are uniform in [-0.5, 0.5).

    >>> [w.shape for w in keras_weights("GRU", 3, 4)]
    [(3, 12), (4, 12), (2, 12)]
    """
    kind = _validate.choice(kind, "kind", KINDS, error=ArgumentError)
    width = _GATES[kind] * hidden_size
    shapes = [(input_size, width), (hidden_size, width), (2, width) if kind == "GRU" else (width,)]
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.5, 0.5, size=shape).astype(np.float32) for shape in shapes]


def save_cases(
    path: str | Path,
    x: np.ndarray,
    weights: Mapping[str, Sequence[np.ndarray]],
    mask: np.ndarray | None = None,
) -> Path:
    """Write an input batch, Keras weights per layer class and an optional mask to ``path``.

    ``weights`` maps a name of :data:`KINDS` to the layer's ``get_weights()`` list. With a mask
    (``(batch_size, seq_len)`` booleans, ``True`` = real step) every layer also runs masked.

    >>> import tempfile
    >>> x = np.zeros((2, 5, 3), "float32")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     saved = save_cases(Path(tmp) / "cases.npz", x, {"LSTM": keras_weights("LSTM", 3, 4)})
    ...     sorted(np.load(saved))
    ['LSTM/0', 'LSTM/1', 'LSTM/2', 'x']
    """
    unknown = sorted(set(weights) - set(KINDS))
    if unknown:
        raise ArgumentError(f"save_cases: layer classes must be among {KINDS}; got {unknown}")
    arrays = {"x": np.asarray(x, np.float32)}
    if mask is not None:
        arrays["mask"] = np.asarray(mask, bool)
    for kind, values in weights.items():
        arrays.update({f"{kind}/{i}": np.asarray(w, np.float32) for i, w in enumerate(values)})
    np.savez(path, **arrays)
    return Path(path)


def run_backends(
    cases: str | Path,
    backends: Iterable[str] = BACKENDS,
    *,
    native: str | None = None,
    train: str | None = None,
    timeout: float = 300.0,
) -> dict[str, dict[str, Any]]:
    """Run the cases file on each backend, each in its own process, all at once.

    Parameters
    ----------
    cases : path
        A file written by :func:`save_cases`.
    backends : iterable of {"tensorflow", "jax", "torch"}
        One process per backend; results go beside ``cases`` as ``<backend>.npz``.
    native : str, optional
        The backend whose process also ports each layer with :func:`lstm_notes.keras_to_torch`
        and runs the ``torch.nn`` module on the same input (keys ``native/...``).
    train : str, optional
        The backend whose process trains its LSTM layer one step in a plain PyTorch loop
        (``train/...``); only the ``"torch"`` backend makes a Keras layer a ``torch.nn.Module``.
    timeout : float
        Seconds to wait for the processes.

    Returns
    -------
    dict
        ``{backend: {key: array}}`` with ``<kind>/<masked|unmasked>/output`` and ``/state<i>``
        for every layer, ``meta/backend`` (what ``keras.backend.backend()`` said),
        ``meta/output_type`` and ``meta/seconds`` (the process's wall time).

    Raises
    ------
    ArgumentError
        For an unknown backend, or ``native``/``train`` naming a backend not in ``backends``.
    LstmNotesError
        When a process fails; the message holds the end of its standard error.

    Examples
    --------
    >>> run_backends("cases.npz", ["theano"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lstm_notes.errors.ArgumentError: backend must be one of ...
    """
    backends = [_validate.choice(b, "backend", BACKENDS, error=ArgumentError) for b in backends]
    if not backends:
        raise ArgumentError(f"run_backends: name at least one backend of {BACKENDS}")
    for role, chosen in (("native", native), ("train", train)):
        if chosen is not None and chosen not in backends:
            raise ArgumentError(f"run_backends: {role}={chosen!r} must be one of {backends}")
    cases = Path(cases)
    with ThreadPoolExecutor(len(backends)) as pool:
        runs = {
            b: pool.submit(_run_one, b, cases, b == native, b == train, timeout) for b in backends
        }
        return {backend: run.result() for backend, run in runs.items()}


def _run_one(
    backend: str, cases: Path, native: bool, train: bool, timeout: float
) -> dict[str, Any]:
    """One child process: run it, time it, read what it saved."""
    results = cases.with_name(f"{backend}.npz")
    command = [sys.executable, "-m", "lstm_notes.backends", str(cases), str(results)]
    command += ["--native"] * native + ["--train"] * train
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise LstmNotesError(
            f"the {backend} backend's process failed (exit {done.returncode}):\n"
            + "\n".join(done.stderr.strip().splitlines()[-15:])
        )
    with np.load(results) as saved:
        return {**{key: saved[key] for key in saved.files}, "meta/seconds": seconds}


def keras_source_lines(
    relative_path: str, *needles: str, within: str | None = None
) -> list[tuple[int, str]]:
    """Find lines of the installed Keras source, without importing Keras.

    Returns ``(line_number, stripped_line)`` for the first line holding each needle in the file
    ``keras/<relative_path>``, searching from the first line that holds ``within`` (say
    ``"def lstm("``) when it is given. A needle that is not there raises ``LstmNotesError``, so a
    text that quotes the source fails when Keras changes it.

    >>> keras_source_lines("src/backend/jax/rnn.py", "raise NotImplementedError", within="def gru(")
    ... # doctest: +ELLIPSIS
    [(..., 'raise NotImplementedError')]
    """
    spec = importlib.util.find_spec("keras")
    if spec is None or spec.origin is None:
        raise LstmNotesError("keras_source_lines: Keras is not installed (pip install keras)")
    path = Path(spec.origin).parent / relative_path
    if not path.is_file():
        raise LstmNotesError(f"keras_source_lines: no file {relative_path!r} in {path.parent}")
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 1 if within is None else _line_of(lines, within, 1, relative_path)
    return [
        (number, lines[number - 1].strip())
        for number in (_line_of(lines, needle, start, relative_path) for needle in needles)
    ]


def _line_of(lines: list[str], needle: str, start: int, relative_path: str) -> int:
    """The number of the first line from ``start`` on that holds ``needle``."""
    for number in range(start, len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    raise LstmNotesError(f"keras/{relative_path} no longer holds {needle!r} (from line {start})")


# --------------------------------------------------------------------------------------------
# The child process: python -m lstm_notes.backends CASES RESULTS
# --------------------------------------------------------------------------------------------


def _native(layer: Any, kind: str, x: np.ndarray, mask: np.ndarray | None) -> list[np.ndarray]:
    """Port ``layer`` with keras_to_torch and run the torch.nn module (packed when masked)."""
    import torch

    from lstm_notes import keras_to_torch, pack_padded

    module = keras_to_torch(layer)
    with torch.no_grad():
        inputs = torch.from_numpy(x) if mask is None else pack_padded(x, mask=mask)
        output, state = module(inputs)
        if mask is not None:
            output = torch.nn.utils.rnn.pad_packed_sequence(
                output, batch_first=True, total_length=x.shape[1]
            )[0]
    states = state if kind == "LSTM" else (state,)
    return [output.numpy(), *(s[0].numpy() for s in states)]


def torch_train_step(module: Any, x: np.ndarray, lr: float = 0.5) -> dict[str, Any]:
    """Train a recurrent ``torch.nn.Module`` one SGD step in a plain PyTorch loop.

    ``module(x)`` must return the output sequence first, as ``nn.LSTM`` does and as a Keras layer
    with ``return_sequences=True`` does on the torch backend. The loss is the mean square of
    that output, measured again on the same input after the step.

    Returns
    -------
    dict
        ``train/is_torch_module``, ``train/loss_before``, ``train/loss_after``,
        ``train/parameters`` (the trainable parameters' names), ``train/changes`` (the largest
        absolute change of each) and ``train/frozen`` (the names of parameters left out because
        they need no gradient).

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> gru = torch.nn.GRU(3, 4, batch_first=True)
    >>> step = torch_train_step(gru, np.ones((2, 5, 3), "float32"))
    >>> bool(step["train/loss_after"] < step["train/loss_before"]), str(step["train/parameters"][0])
    (True, 'weight_ih_l0')
    """
    import torch

    inputs = torch.from_numpy(x)
    parameters = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
    before = [p.detach().clone() for _, p in parameters]
    optimizer = torch.optim.SGD([p for _, p in parameters], lr=lr)
    optimizer.zero_grad()
    loss = module(inputs)[0].pow(2).mean()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        loss_after = module(inputs)[0].pow(2).mean()
    changes = [
        float((p.detach() - b).abs().max()) for (_, p), b in zip(parameters, before, strict=True)
    ]
    return {
        "train/is_torch_module": isinstance(module, torch.nn.Module),
        "train/loss_before": float(loss.detach()),
        "train/loss_after": float(loss_after),
        "train/parameters": np.array([name for name, _ in parameters]),
        "train/frozen": np.array(
            [name for name, p in module.named_parameters() if not p.requires_grad], dtype=str
        ),
        "train/changes": np.array(changes),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Run every layer of a cases file on the backend of this process and save the results."""
    parser = argparse.ArgumentParser(prog="python -m lstm_notes.backends", description=__doc__)
    parser.add_argument("cases", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--native", action="store_true", help="also run keras_to_torch's module")
    parser.add_argument("--train", action="store_true", help="train the LSTM one step in torch")
    args = parser.parse_args(argv)

    with np.load(args.cases) as saved:
        cases = {key: saved[key] for key in saved.files}
    import keras

    x, mask = cases["x"], cases.get("mask")
    out: dict[str, Any] = {"meta/backend": keras.backend.backend()}
    for kind in (k for k in KINDS if f"{k}/0" in cases):
        weights = [cases[f"{kind}/{i}"] for i in range(3)]
        layer = getattr(keras.layers, kind)(
            weights[1].shape[0], return_sequences=True, return_state=True
        )
        layer.build((None, None, x.shape[-1]))
        layer.set_weights(weights)
        for tag, m in (("unmasked", None), ("masked", mask)):
            if tag == "masked" and mask is None:
                continue
            outputs = layer(x, mask=m)
            out["meta/output_type"] = f"{type(outputs[0]).__module__}.{type(outputs[0]).__name__}"
            arrays = [keras.ops.convert_to_numpy(a) for a in outputs]
            out.update(_named(f"{kind}/{tag}", arrays))
            if args.native:
                out.update(_named(f"native/{kind}/{tag}", _native(layer, kind, x, m)))
        if args.train and kind == "LSTM":
            out.update(torch_train_step(layer, x))
    np.savez(args.results, **out)


def _named(prefix: str, arrays: Sequence[Any]) -> dict[str, Any]:
    """``{prefix/output: arrays[0], prefix/state0: arrays[1], ...}``."""
    names = ["output"] + [f"state{i}" for i in range(len(arrays) - 1)]
    return {f"{prefix}/{name}": array for name, array in zip(names, arrays, strict=True)}


if __name__ == "__main__":
    main()
