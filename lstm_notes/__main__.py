"""``python -m lstm_notes``: print the environment report of :mod:`lstm_notes.doctor`."""

import sys

from lstm_notes.doctor import main

if __name__ == "__main__":
    sys.exit(main())
