"""Typed errors of the R30x bridge, one hierarchy, each saying what to do."""

from __future__ import annotations

from ..errors import BridgeError
from .protocol import Code


class SensorError(BridgeError):
    """Anything that went wrong talking to the fingerprint sensor."""

    hint = "check the sensor cable and run 'kiosk sensor selftest'"


class SensorNotFound(SensorError):
    hint = "check the cable and the port name (ls /dev/serial/by-id), or start 'kiosk sim sensor'"


class SensorDisconnected(SensorError):
    hint = "the serial link dropped; check the USB-serial adapter, the driver reconnects by itself"


class SensorTimeout(SensorError):
    hint = "the sensor did not answer; check power, wiring (TX/RX crossed) and the baud rate"


class ProtocolError(SensorError):
    """The bytes on the wire did not form the packet we expected."""

    hint = "noise on the serial line; check the cable and ground, or lower the baud rate"


class BadPacket(ProtocolError):
    pass


class ChecksumError(BadPacket):
    pass


class GarbageBytes(BadPacket):
    """Bytes that belong to no packet were skipped while looking for a start code."""


class UnexpectedPacket(ProtocolError):
    pass


class SensorReplyError(SensorError):
    """The sensor answered with a confirmation code other than OK."""

    code: int = Code.UNDEFINED_ERROR
    default_message = ""
    hint = "retry; if it persists run 'kiosk sensor selftest'"

    def __init__(self, message: str | None = None, hint: str | None = None,
                 code: int | None = None):
        if code is not None:
            self.code = code
        fallback = f"sensor replied {_code_name(self.code)} (0x{self.code:02X})"
        super().__init__(message or self.default_message or fallback, hint)


def _code_name(code: int) -> str:
    try:
        return Code(code).name
    except ValueError:
        return "UNKNOWN"


def _reply(name: str, code: Code, message: str, hint: str) -> type[SensorReplyError]:
    return type(name, (SensorReplyError,), {
        "code": int(code), "hint": hint, "default_message": message, "__doc__": message})


PacketReceiveError = _reply(
    "PacketReceiveError", Code.PACKET_RECEIVE_ERROR,
    "the sensor received a corrupted packet", "noise on the line; the command can be retried")
NoFinger = _reply(
    "NoFinger", Code.NO_FINGER,
    "no finger on the sensor", "place a finger flat on the glass")
ImageCaptureFailed = _reply(
    "ImageCaptureFailed", Code.IMAGE_FAIL,
    "the sensor could not capture an image", "lift the finger and place it again")
ImageTooMessy = _reply(
    "ImageTooMessy", Code.IMAGE_TOO_MESSY,
    "fingerprint image too messy", "clean and dry the finger and the glass, then press gently")
TooFewFeatures = _reply(
    "TooFewFeatures", Code.TOO_FEW_FEATURES,
    "too few fingerprint features in the image",
    "press the finger flat and centred, a little harder")
NoMatch = _reply(
    "NoMatch", Code.NO_MATCH,
    "the fingerprints do not match", "try again or use another finger")
NotFound = _reply(
    "NotFound", Code.NOT_FOUND,
    "no matching template in the sensor library", "the finger is not enrolled on this sensor")
CombineFailed = _reply(
    "CombineFailed", Code.COMBINE_FAIL,
    "the two impressions are not of the same finger", "enrol again with the same finger twice")
BadPageId = _reply(
    "BadPageId", Code.BAD_PAGE_ID,
    "template position outside the sensor library", "use a position below the library capacity")
TemplateReadError = _reply(
    "TemplateReadError", Code.TEMPLATE_READ_ERROR,
    "the template could not be read or is invalid",
    "that position is empty or corrupt; enrol again")
UploadError = _reply(
    "UploadError", Code.UPLOAD_TEMPLATE_ERROR,
    "the sensor could not send the template", "retry the transfer")
ReceiveError = _reply(
    "ReceiveError", Code.RECEIVE_DATA_ERROR,
    "the sensor could not receive the data packets", "retry the transfer")
ImageUploadError = _reply(
    "ImageUploadError", Code.UPLOAD_IMAGE_ERROR,
    "the sensor could not send the image", "capture a new image and retry")
DeleteFailed = _reply(
    "DeleteFailed", Code.DELETE_FAIL,
    "the sensor could not delete the templates", "retry; if it persists the flash may be worn")
ClearFailed = _reply(
    "ClearFailed", Code.CLEAR_FAIL,
    "the sensor could not clear its library", "retry; if it persists the flash may be worn")
WrongPassword = _reply(
    "WrongPassword", Code.WRONG_PASSWORD,
    "wrong sensor password", "use the password set at provisioning (--password)")
NoValidImage = _reply(
    "NoValidImage", Code.NO_VALID_IMAGE,
    "no valid image in the sensor's image buffer", "capture an image first")
FlashError = _reply(
    "FlashError", Code.FLASH_ERROR,
    "the sensor failed to write its flash",
    "retry; a repeated failure means the sensor must be replaced")
InvalidRegister = _reply(
    "InvalidRegister", Code.INVALID_REGISTER,
    "the sensor has no such parameter", "check the parameter number")
BadRegisterConfig = _reply(
    "BadRegisterConfig", Code.BAD_REGISTER_CONFIG,
    "the sensor refused that parameter value", "use a value the sensor supports")
BadNotepadPage = _reply(
    "BadNotepadPage", Code.BAD_NOTEPAD_PAGE,
    "no such notepad page", "use a page from 0 to 15")
LibraryFull = _reply(
    "LibraryFull", Code.LIBRARY_FULL,
    "the sensor library is full", "delete unused templates first")
AddressError = _reply(
    "AddressError", Code.ADDRESS_ERROR,
    "the sensor address is wrong", "use the address set at provisioning (--address)")
PasswordRequired = _reply(
    "PasswordRequired", Code.PASSWORD_REQUIRED,
    "the sensor needs its password first", "verify the password (--password) before other commands")
SensorHardwareError = _reply(
    "SensorHardwareError", Code.SENSOR_ABNORMAL,
    "the sensor reports a hardware fault", "power-cycle the sensor; replace it if the fault stays")
UnsupportedCommand = _reply(
    "UnsupportedCommand", Code.UNSUPPORTED,
    "this sensor model does not support that command",
    "check the sensor model (R503 for the LED ring)")

_BY_CODE: dict[int, type[SensorReplyError]] = {
    cls.code: cls
    for cls in (
        PacketReceiveError, NoFinger, ImageCaptureFailed, ImageTooMessy, TooFewFeatures, NoMatch,
        NotFound, CombineFailed, BadPageId, TemplateReadError, UploadError, ReceiveError,
        ImageUploadError, DeleteFailed, ClearFailed, WrongPassword, NoValidImage, FlashError,
        InvalidRegister, BadRegisterConfig, BadNotepadPage, LibraryFull, AddressError,
        PasswordRequired, SensorHardwareError, UnsupportedCommand,
    )
}


def error_for_code(code: int) -> SensorReplyError:
    """The typed exception for a non-OK confirmation code."""
    cls = _BY_CODE.get(code)
    return cls() if cls else SensorReplyError(code=code)
