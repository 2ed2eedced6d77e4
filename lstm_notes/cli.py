"""The ``lstm-notes`` command (also ``python -m lstm_notes``).

``lstm-notes`` alone prints the environment report of :mod:`lstm_notes.doctor`;
``lstm-notes port MODEL.keras OUTDIR`` ports a saved Keras model to PyTorch code and weights.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lstm_notes.errors import PortError, PortWarning

PROG = "python -m lstm_notes port"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Port a saved Keras model (.keras) to a PyTorch module: writes OUTDIR/model.py "
        "and OUTDIR/weights.pt, then checks them against Keras on random inputs.",
    )
    parser.add_argument("model", type=Path, help="the Keras model file (.keras)")
    parser.add_argument("outdir", type=Path, help="the directory to write (created if missing)")
    parser.add_argument("--force", action="store_true", help="replace files in a non-empty OUTDIR")
    parser.add_argument(
        "--atol",
        type=float,
        default=1e-5,
        help="largest difference accepted per output (relative, for outputs beyond 1)",
    )
    return parser


@contextlib.contextmanager
def _native_log_discarded() -> Iterator[None]:
    """Hold back TensorFlow's native log (absl lines, CUDA and oneDNN notes) while porting.

    Those lines are written below Python, straight to file descriptor 2, so only the descriptor
    can hold them back; it is restored before our errors and warnings are printed.
    """
    sys.stderr.flush()
    kept, sink = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 2)
    try:
        yield
    finally:
        os.dup2(kept, 2)
        os.close(kept)
        os.close(sink)


def _load(path: Path) -> Any:
    """Load with Keras' safe mode; every failure becomes one readable line."""
    if not path.is_file():
        raise PortError(f"{path}: no such file")
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise PortError(
            f"{path} is not a Keras model file: a .keras file is the zip archive that "
            "model.save writes, and this one is not a zip archive"
        )
    import keras

    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:
        text = str(error)
        custom = re.search(r"Could not locate (?:class|function) '([^']+)'", text)
        if custom:
            raise PortError(
                f"{path} uses the custom object {custom.group(1)!r}, which cannot be loaded "
                "here (and custom layers cannot be ported); rebuild the model from Keras layers"
            ) from error
        if "safe_mode" in text:
            raise PortError(
                f"{path} contains a Lambda layer, which Keras' safe mode refuses to load (and "
                "which cannot be ported); replace it with built-in layers"
            ) from error
        first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
        raise PortError(f"{path} is not a Keras model file Keras can load: {first}") from error


def port_main(argv: list[str]) -> int:
    """Run ``port``: print one line per layer, write the files, print the verification."""
    from lstm_notes.port_model import _check_target, export_torch

    args = _parser().parse_args(argv)
    try:
        with _native_log_discarded(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PortWarning)
            _check_target(args.outdir, args.force)
            model = _load(args.model)
            print(f"porting {args.model} (Keras model {model.name!r})")
            result = export_torch(
                model,
                args.outdir,
                overwrite=args.force,
                atol=args.atol,
                progress=lambda layer: print(f"  ported {layer}", flush=True),
            )
    except PortError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for warning in caught:
        if issubclass(warning.category, PortWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
    print(f"wrote {result.code} (class {result.class_name}) and {result.weights}")
    for index, difference in enumerate(result.max_differences):
        print(f"verified output {index}: max |difference| = {difference:.3g} on random inputs")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch ``port`` to :func:`port_main`, anything else to the environment report.

    >>> main(["port", "--help"])  # doctest: +ELLIPSIS
    usage: python -m lstm_notes port [-h] [--force] [--atol ATOL] model outdir
    ...
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["port"]:
        try:
            return port_main(argv[1:])
        except SystemExit as exit_:
            return int(exit_.code or 0)
    from lstm_notes.doctor import main as doctor_main

    return doctor_main(argv)
