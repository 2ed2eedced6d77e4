"""PyTorch spellings of Keras activations and of the ops Keras records to compute masks.

In a functional Keras model the masks are part of the graph: ``Embedding(mask_zero=True)`` adds a
``not_equal`` node, ``Masking`` an ``any(not_equal(...))``, a merge layer ``logical_or`` and
``concatenate`` nodes, and a layer receives its mask as an explicit ``mask=`` argument only where
Keras passed one. Translating these nodes one by one reproduces Keras' masks exactly, including
its less obvious choices (a layer called with ``initial_state=`` gets no mask).
"""

from __future__ import annotations

from typing import Any

# Keras activation name -> PyTorch expression, with {x} for the input.
ACTIVATIONS = {
    "linear": "{x}",
    "relu": "torch.relu({x})",
    "relu6": "F.relu6({x})",
    "leaky_relu": "F.leaky_relu({x}, 0.2)",
    "elu": "F.elu({x})",
    "celu": "F.celu({x})",
    "selu": "F.selu({x})",
    "gelu": "F.gelu({x})",
    "silu": "F.silu({x})",
    "swish": "F.silu({x})",
    "mish": "F.mish({x})",
    "sigmoid": "torch.sigmoid({x})",
    "log_sigmoid": "F.logsigmoid({x})",
    "hard_sigmoid": "F.hardsigmoid({x})",
    "hard_silu": "F.hardswish({x})",
    "hard_swish": "F.hardswish({x})",
    "hard_tanh": "F.hardtanh({x})",
    "tanh": "torch.tanh({x})",
    "tanh_shrink": "F.tanhshrink({x})",
    "softmax": "torch.softmax({x}, dim=-1)",
    "log_softmax": "torch.log_softmax({x}, dim=-1)",
    "softplus": "F.softplus({x})",
    "softsign": "F.softsign({x})",
    "exponential": "torch.exp({x})",
}


def activation_code(name: str, x: str) -> str:
    """The PyTorch expression applying the Keras activation ``name`` to the expression ``x``.

    >>> activation_code("softmax", "self.dense(h)")
    'torch.softmax(self.dense(h), dim=-1)'
    """
    return ACTIVATIONS[name].format(x=x)


_DTYPES = {"bool": "torch.bool", "float32": "torch.float32", "int32": "torch.int32"}


def _axis(op: Any) -> str:
    axis = op.axis
    return str(tuple(axis)) if isinstance(axis, (list, tuple)) else str(axis)


def _reduce(function: str) -> Any:
    def code(op: Any, args: list[str]) -> str:
        if op.axis is None:
            return f"torch.{function}({args[0]})"
        keepdims = bool(getattr(op, "keepdims", False))
        return f"torch.{function}({args[0]}, dim={_axis(op)}, keepdim={keepdims})"

    return code


def _like(fill: str) -> Any:
    def code(op: Any, args: list[str]) -> str:
        dtype = _DTYPES.get(str(op.dtype)) if getattr(op, "dtype", None) else None
        return f"torch.{fill}_like({args[0]}" + (f", dtype={dtype})" if dtype else ")")

    return code


OPS = {
    "NotEqual": lambda op, args: f"{args[0]} != {args[1]}",
    "Equal": lambda op, args: f"{args[0]} == {args[1]}",
    "LogicalOr": lambda op, args: f"torch.logical_or({args[0]}, {args[1]})",
    "LogicalAnd": lambda op, args: f"torch.logical_and({args[0]}, {args[1]})",
    "LogicalNot": lambda op, args: f"torch.logical_not({args[0]})",
    "Any": _reduce("any"),
    "All": _reduce("all"),
    "ExpandDims": lambda op, args: f"{args[0]}.unsqueeze({_axis(op)})",
    "Squeeze": lambda op, args: f"{args[0]}.squeeze({_axis(op)})",
    "Concatenate": lambda op, args: f"torch.cat({args[0]}, dim={_axis(op)})",
    "ZerosLike": _like("zeros"),
    "OnesLike": _like("ones"),
    "Cast": lambda op, args: f"{args[0]}.to({_DTYPES[str(op.dtype)]})",
}
