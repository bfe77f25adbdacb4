"""R30x / ZFM / AS608 fingerprint sensor: protocol codec and driver."""

from .protocol import PID, Code, Instruction, LedColour, LedMode

__all__ = ["PID", "Code", "Instruction", "LedColour", "LedMode"]
