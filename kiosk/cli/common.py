"""Shared pieces of the CLI: exit codes and the one-line error type."""

from __future__ import annotations

from firmware_bridge.errors import BridgeError

EXIT_OK = 0
EXIT_FAILURE = 1  # the operation ran and failed (self-test failed, no match, ...)
EXIT_USAGE = 2  # argparse's own code for bad arguments
EXIT_NOT_FOUND = 3  # the device is not there (port missing, camera missing)
EXIT_DEVICE = 4  # the device answered wrongly or not at all
EXIT_NO_INPUT = 5  # nothing to read: no finger on the sensor, no frame
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A mistake the user can fix; printed as one line."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE):
        super().__init__(message)
        self.exit_code = exit_code


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, CliError):
        return exc.exit_code
    # Imported here so the CLI frame does not pull in every bridge at start-up.
    from firmware_bridge.camera.errors import CameraNotFound, CameraUnavailable
    from firmware_bridge.r30x.errors import NoFinger, SensorDisconnected, SensorNotFound

    if isinstance(exc, SensorNotFound | SensorDisconnected | CameraNotFound | CameraUnavailable):
        return EXIT_NOT_FOUND
    if isinstance(exc, NoFinger):
        return EXIT_NO_INPUT
    if isinstance(exc, BridgeError):
        return EXIT_DEVICE
    return EXIT_FAILURE
