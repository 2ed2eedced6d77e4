"""Install the Jupyter kernel that runs the chapters, into the current environment.

The kernel is an ordinary IPython kernel with two settings that keep framework start-up
noise out of the rendered pages:

* ``TF_CPP_MIN_LOG_LEVEL=3`` silences TensorFlow's C++ logging;
* ``capture_fd_output=False`` stops ipykernel from copying what native libraries write straight
  to file descriptor 2 (absl's "could not find cuda drivers" probes and friends) into cell
  outputs. Those lines still reach the terminal that runs the build.

The spec is installed under the name ``python3`` inside the virtual environment, so chapters keep
the standard kernel name that Colab and every Jupyter front end understand.
"""

import json
import sys
from pathlib import Path

KERNEL = {
    "argv": [
        sys.executable,
        "-m",
        "ipykernel_launcher",
        "--IPKernelApp.capture_fd_output=False",
        "-f",
        "{connection_file}",
    ],
    "display_name": "Python 3 (LSTM Notes)",
    "language": "python",
    "env": {"TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"},
    "metadata": {"debugger": True},
}


def main() -> None:
    target = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3"
    target.mkdir(parents=True, exist_ok=True)
    (target / "kernel.json").write_text(json.dumps(KERNEL, indent=1) + "\n")
    print(f"installed kernel spec in {target}")


if __name__ == "__main__":
    main()
