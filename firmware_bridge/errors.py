"""The root of every error the hardware bridges raise.

Each error carries a ``hint``: what the technician or the program should do next.
The CLI prints ``str(error)`` as one line; ``str`` already includes the hint.
"""


class BridgeError(Exception):
    """A hardware bridge failed in a way the caller can explain to a person."""

    hint = ""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message
