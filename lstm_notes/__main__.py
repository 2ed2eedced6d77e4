"""``python -m lstm_notes``: the environment report; ``python -m lstm_notes port``: port a model.

See :mod:`lstm_notes.cli`.
"""

import sys

from lstm_notes.cli import main

if __name__ == "__main__":
    sys.exit(main())
