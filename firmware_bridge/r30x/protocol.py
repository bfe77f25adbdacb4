"""Constants of the ZhianTec R30x / ZFM / AS608 serial protocol.

Names follow the vendor datasheets (GenImg, Img2Tz, ...), so a reader can put the
datasheet beside this file.
"""

from enum import IntEnum

START_CODE = 0xEF01
DEFAULT_ADDRESS = 0xFFFFFFFF
DEFAULT_PASSWORD = 0x00000000

# Header (2) + address (4) + packet id (1) + length (2); the length counts payload + checksum.
HEADER_SIZE = 9
CHECKSUM_SIZE = 2
# Longest payload a module sends or accepts (a 256-byte data packet); anything
# longer is a corrupted length field, not a packet.
MAX_PAYLOAD = 256

IMAGE_WIDTH = 256
IMAGE_HEIGHT = 288
IMAGE_BYTES = IMAGE_WIDTH * IMAGE_HEIGHT // 2  # 4 bits per pixel on the wire
CHAR_FILE_SIZE = 512  # a character file (one buffer, or one stored template)

# Packet size codes of SetSysPara/ReadSysPara, as bytes per data packet.
PACKET_SIZES = (32, 64, 128, 256)
BAUD_UNIT = 9600  # the baud-rate register holds N for N * 9600 baud
SYSTEM_ID = 0x0009


class PID(IntEnum):
    """Packet identifier: what kind of packet follows the address."""

    COMMAND = 0x01
    DATA = 0x02
    ACK = 0x07
    END_DATA = 0x08


class Instruction(IntEnum):
    """Instruction codes (first payload byte of a command packet)."""

    GEN_IMG = 0x01
    IMG2TZ = 0x02
    MATCH = 0x03
    SEARCH = 0x04
    REG_MODEL = 0x05
    STORE = 0x06
    LOAD_CHAR = 0x07
    UP_CHAR = 0x08
    DOWN_CHAR = 0x09
    UP_IMAGE = 0x0A
    DOWN_IMAGE = 0x0B
    DELET_CHAR = 0x0C
    EMPTY = 0x0D
    SET_SYS_PARA = 0x0E
    READ_SYS_PARA = 0x0F
    SET_PWD = 0x12
    VFY_PWD = 0x13
    GET_RANDOM_CODE = 0x14
    SET_ADDER = 0x15
    WRITE_NOTEPAD = 0x18
    READ_NOTEPAD = 0x19
    TEMPLETE_NUM = 0x1D
    READ_INDEX_TABLE = 0x1F
    AURA_LED_CONFIG = 0x35
    CHECK_SENSOR = 0x36
    HANDSHAKE = 0x40


class Code(IntEnum):
    """Confirmation codes (first payload byte of an acknowledgement)."""

    OK = 0x00
    PACKET_RECEIVE_ERROR = 0x01
    NO_FINGER = 0x02
    IMAGE_FAIL = 0x03
    IMAGE_TOO_MESSY = 0x06
    TOO_FEW_FEATURES = 0x07
    NO_MATCH = 0x08
    NOT_FOUND = 0x09
    COMBINE_FAIL = 0x0A
    BAD_PAGE_ID = 0x0B
    TEMPLATE_READ_ERROR = 0x0C
    UPLOAD_TEMPLATE_ERROR = 0x0D
    RECEIVE_DATA_ERROR = 0x0E
    UPLOAD_IMAGE_ERROR = 0x0F
    DELETE_FAIL = 0x10
    CLEAR_FAIL = 0x11
    WRONG_PASSWORD = 0x13
    NO_VALID_IMAGE = 0x15
    FLASH_ERROR = 0x18
    UNDEFINED_ERROR = 0x19
    INVALID_REGISTER = 0x1A
    BAD_REGISTER_CONFIG = 0x1B
    BAD_NOTEPAD_PAGE = 0x1C
    PORT_FAIL = 0x1D
    LIBRARY_FULL = 0x1F
    ADDRESS_ERROR = 0x20
    PASSWORD_REQUIRED = 0x21
    TEMPLATE_EMPTY = 0x22
    LIBRARY_EMPTY = 0x24
    TIMEOUT = 0x26
    ALREADY_EXISTS = 0x27
    SENSOR_ABNORMAL = 0x29
    UNSUPPORTED = 0xFC
    HARDWARE_ERROR = 0xFD
    EXECUTION_FAIL = 0xFE


class SysParam(IntEnum):
    """Register numbers for SetSysPara."""

    BAUD = 4
    SECURITY_LEVEL = 5
    PACKET_SIZE = 6


class LedMode(IntEnum):
    """R503 AuraLedConfig control codes."""

    BREATHING = 0x01
    FLASHING = 0x02
    ON = 0x03
    OFF = 0x04
    FADE_IN = 0x05
    FADE_OUT = 0x06


class LedColour(IntEnum):
    """R503 AuraLedConfig colour indexes (4..7 on the newer, seven-colour rings)."""

    RED = 0x01
    BLUE = 0x02
    PURPLE = 0x03
    GREEN = 0x04
    YELLOW = 0x05
    CYAN = 0x06
    WHITE = 0x07


# Status register bits (ReadSysPara).
STATUS_BUSY = 0x01
STATUS_PASS = 0x02
STATUS_PASSWORD_OK = 0x04
STATUS_IMAGE_VALID = 0x08
