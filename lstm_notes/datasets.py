"""Small texts shipped inside the package, so a chapter needs nothing but the installed helpers.

The files live in ``lstm_notes/data/`` and are read with :mod:`importlib.resources`, which works
from a wheel, an editable install or a zip alike. ``lstm_notes/data/README.md`` names each file's
source and licence.
"""

from __future__ import annotations

from importlib import resources

from lstm_notes.errors import ArgumentError

__all__ = ["TEXTS", "load_text"]

TEXTS: dict[str, str] = {
    "alice": "alice_chapter1_opening.txt",
}
"""The names :func:`load_text` accepts, and the file each one reads."""


def load_text(name: str) -> str:
    """Read one of the texts shipped with the package.

    Parameters
    ----------
    name : str
        One of the keys of :data:`TEXTS`: ``"alice"`` is the opening of Chapter I of *Alice's
        Adventures in Wonderland* (Lewis Carroll, 1865; public domain), in ASCII.

    Returns
    -------
    str
        The whole text, decoded as UTF-8.

    Raises
    ------
    ArgumentError
        If ``name`` is not one of the shipped texts; the message lists the ones that are.

    Examples
    --------
    >>> text = load_text("alice")
    >>> text.splitlines()[:2]
    ['CHAPTER I.', 'Down the Rabbit-Hole']
    >>> text.isascii()
    True
    """
    if name not in TEXTS:
        raise ArgumentError(
            f"load_text: no text called {name!r}; the package ships {sorted(TEXTS)}"
        )
    return resources.files("lstm_notes").joinpath("data", TEXTS[name]).read_text(encoding="utf-8")
