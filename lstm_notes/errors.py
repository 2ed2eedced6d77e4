"""The library's errors: one family, so a single ``except LstmNotesError`` catches them all.

Every error a public helper raises derives from :class:`LstmNotesError`. Each also keeps the
builtin base it had before (``ValueError``, ``TypeError``, ``AssertionError``, ``ImportError``), so
code that catches the builtin still works. Every class here is public; the package exports each
of them at top level (``from lstm_notes import ShapeError``), which is where they are listed.

>>> from lstm_notes.errors import LstmNotesError, ShapeError
>>> issubclass(ShapeError, LstmNotesError) and issubclass(ShapeError, AssertionError)
True
"""


class LstmNotesError(Exception):
    """The base of every error ``lstm_notes`` raises on purpose."""


class ArgumentError(LstmNotesError, ValueError, TypeError):
    """An argument a helper cannot take: a wrong type, a size out of range, a malformed spec.

    Both a ``ValueError`` and a ``TypeError``, so code written against either builtin still
    catches it. Its message names the argument, what came and what is allowed.
    """


class UnsupportedLayerError(LstmNotesError, TypeError):
    """An object that is not a recurrent layer the helpers support.

    The same error wherever a helper takes a layer: shapes, parameter counts, porting, the cuDNN
    report. Its message names what was given and what is supported.
    """


class MissingFrameworkError(LstmNotesError, ImportError):
    """A helper needs a framework (TensorFlow/Keras or PyTorch) that is not installed.

    Its message names the package and the ``pip install`` command that brings it.
    """


class ShapeError(LstmNotesError, AssertionError):
    """A tensor's shape does not match the expected spec (reads like a failed ``assert``)."""


class ParamCountError(LstmNotesError, AssertionError):
    """A parameter count disagrees with the framework's own count."""


class MaskError(LstmNotesError, ValueError):
    """A mask or a list of lengths that is malformed or does not fit the padding asked for."""


class PortError(LstmNotesError, ValueError):
    """Weights cannot be moved: no weights in the other framework compute the same function."""


class PortWarning(UserWarning):
    """The weights port, but training (not inference) will behave differently."""


class StreamLayoutError(LstmNotesError, ValueError):
    """A stream cannot be laid out into stateful batches as asked."""


class StateBatchSizeError(LstmNotesError, ValueError):
    """A batch's size differs from the batch size of the state being carried."""


class BenchmarkError(LstmNotesError, ValueError):
    """A benchmark was asked for something it cannot measure as given."""
