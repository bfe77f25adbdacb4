"""R30x / ZFM / AS608 fingerprint sensor: protocol codec and driver."""

from .protocol import Code, Instruction, LedColour, LedMode, PID

__all__ = ["PID", "Code", "Instruction", "LedColour", "LedMode"]
