"""The ``kiosk`` command line."""

import os

# One BLAS thread unless told otherwise: the matcher's and the face embedding's products are
# small, and splitting them across the Pi's busy cores makes them slower, not faster. Set
# before anything imports numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .app import main

__all__ = ["main"]
