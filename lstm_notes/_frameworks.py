"""Which framework an object comes from, and importing a framework only when it is needed.

The one place that answers "is this a PyTorch tensor, a Keras layer, a TensorFlow tensor?". It
looks at the classes of the object (their ``__module__``), so it never imports a framework: asking
about a torch module in an environment without Keras does not touch Keras. :func:`require` imports
a framework a helper needs and turns a missing one into :class:`MissingFrameworkError`.

>>> import numpy as np
>>> framework_of(np.zeros(2)), framework_of([1, 2]), framework_of("text")
('numpy', None, None)
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any, Literal

from lstm_notes.errors import MissingFrameworkError

__all__ = ["framework_of", "is_keras_layer", "is_torch_module", "require"]

Framework = Literal["torch", "keras", "tensorflow", "jax", "numpy"]

_PACKAGES: dict[str, Framework] = {
    "torch": "torch",
    "keras": "keras",
    "tf_keras": "keras",
    "tensorflow": "tensorflow",
    "jax": "jax",
    "jaxlib": "jax",
    "numpy": "numpy",
}
_PIP = {"torch": "pip install torch", "keras": "pip install keras tensorflow"}


def framework_of(obj: Any) -> Framework | None:
    """The framework that defines ``obj``'s class (or a base class), without importing anything.

    Keras wins over every other framework for a class defined by Keras (a Keras layer, variable
    or ``KerasTensor``): on the PyTorch backend a Keras layer is also a ``torch.nn.Module``, and
    it is still ``"keras"``. A ``tf.Tensor`` is ``"tensorflow"``, and a tensor a Keras layer
    returns is its backend's (``"torch"`` or ``"jax"`` there). Classes, not instances, are
    ``None``.

    >>> framework_of(3.0) is None
    True
    """
    if isinstance(obj, type):
        return None
    found: list[Framework] = []
    for cls in type(obj).__mro__:
        package = (getattr(cls, "__module__", None) or "").split(".")[0]
        if package in _PACKAGES:
            found.append(_PACKAGES[package])
    for framework in ("keras", "torch", "tensorflow", "jax", "numpy"):
        if framework in found:
            return framework  # type: ignore[return-value]
    return None


def is_torch_module(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module`` (False, without importing torch, if it is not)."""
    torch = sys.modules.get("torch")
    return framework_of(obj) == "torch" and torch is not None and isinstance(obj, torch.nn.Module)


def is_keras_layer(obj: Any) -> bool:
    """Whether ``obj`` is a ``keras.layers.Layer`` (False, without importing Keras, if not)."""
    keras = sys.modules.get("keras")
    return (
        framework_of(obj) == "keras" and keras is not None and isinstance(obj, keras.layers.Layer)
    )


def require(framework: Literal["torch", "keras"], needed_by: str) -> ModuleType:
    """Import ``framework`` for ``needed_by``; a missing one raises MissingFrameworkError.

    >>> require("numpy-free-framework", "a doctest")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lstm_notes.errors.MissingFrameworkError: a doctest needs numpy-free-framework, ...
    """
    try:
        return importlib.import_module(framework)
    except ImportError as error:
        command = _PIP.get(framework, f"pip install {framework}")
        raise MissingFrameworkError(
            f"{needed_by} needs {framework}, which is not installed ({error}); "
            f"install it with: {command}"
        ) from error
