"""The simulated module's firmware, packet in -> packets out, without any link."""

import numpy as np
import pytest

from firmware_bridge.r30x import codec
from firmware_bridge.r30x.codec import Packet
from firmware_bridge.r30x.protocol import (
    CHAR_FILE_SIZE,
    DEFAULT_ADDRESS,
    PID,
    Code,
    Instruction,
    SysParam,
)
from hw_sim.sensor.firmware import Firmware, SensorSettings
from hw_sim.sensor.library import TemplateLibrary


def cmd(fw, instruction, *args, address=DEFAULT_ADDRESS):
    return fw.handle(codec.command(instruction, *args, address=address))


def code_of(replies):
    assert len(replies) >= 1 and replies[0].pid == PID.ACK
    return replies[0].code


def download_char(fw, data, buffer=1):
    assert code_of(cmd(fw, Instruction.DOWN_CHAR, buffer)) == Code.OK
    for packet in codec.data_packets(data, fw.settings.packet_size):
        assert fw.handle(packet) == []


def test_read_sys_para_layout():
    fw = Firmware(SensorSettings(capacity=300, security_level=4))
    reply = cmd(fw, Instruction.READ_SYS_PARA)[0]
    assert reply.code == Code.OK and len(reply.payload) == 17
    data = reply.payload[1:]
    assert int.from_bytes(data[4:6], "big") == 300
    assert int.from_bytes(data[6:8], "big") == 4
    assert data[8:12] == b"\xff\xff\xff\xff"
    assert int.from_bytes(data[12:14], "big") == 2  # 128-byte packets
    assert int.from_bytes(data[14:16], "big") == 6  # 57600 baud


def test_password_required_until_verified():
    fw = Firmware(SensorSettings(password=0x1234))
    assert code_of(cmd(fw, Instruction.TEMPLETE_NUM)) == Code.PASSWORD_REQUIRED
    assert code_of(cmd(fw, Instruction.VFY_PWD, (0x9999).to_bytes(4, "big"))) == Code.WRONG_PASSWORD
    assert code_of(cmd(fw, Instruction.VFY_PWD, (0x1234).to_bytes(4, "big"))) == Code.OK
    assert code_of(cmd(fw, Instruction.TEMPLETE_NUM)) == Code.OK
    fw.power_cycle()
    assert code_of(cmd(fw, Instruction.TEMPLETE_NUM)) == Code.PASSWORD_REQUIRED


def test_other_address_is_ignored_and_set_adder_moves():
    fw = Firmware()
    assert cmd(fw, Instruction.HANDSHAKE, address=0x12345678) == []
    reply = cmd(fw, Instruction.SET_ADDER, (0x12345678).to_bytes(4, "big"))[0]
    assert reply.code == Code.OK and reply.address == 0x12345678
    assert cmd(fw, Instruction.HANDSHAKE) == []
    assert code_of(cmd(fw, Instruction.HANDSHAKE, address=0x12345678)) == Code.OK


@pytest.mark.parametrize(("param", "value", "expected"), [
    (SysParam.BAUD, 12, Code.OK),
    (SysParam.BAUD, 0, Code.BAD_REGISTER_CONFIG),
    (SysParam.BAUD, 13, Code.BAD_REGISTER_CONFIG),
    (SysParam.SECURITY_LEVEL, 5, Code.OK),
    (SysParam.SECURITY_LEVEL, 6, Code.BAD_REGISTER_CONFIG),
    (SysParam.PACKET_SIZE, 3, Code.OK),
    (SysParam.PACKET_SIZE, 4, Code.BAD_REGISTER_CONFIG),
    (9, 1, Code.INVALID_REGISTER),
])
def test_set_sys_para(param, value, expected):
    fw = Firmware()
    assert code_of(cmd(fw, Instruction.SET_SYS_PARA, param, value)) == expected


def test_baud_change_is_pending_until_reply_sent():
    fw = Firmware()
    cmd(fw, Instruction.SET_SYS_PARA, SysParam.BAUD, 12)
    assert fw.pending_baud == 115200 and fw.settings.baud == 115200


def test_packet_size_changes_bulk_split():
    fw = Firmware()
    cmd(fw, Instruction.SET_SYS_PARA, SysParam.PACKET_SIZE, 0)
    download_char(fw, bytes(range(256)) * 2, 2)
    replies = cmd(fw, Instruction.UP_CHAR, 2)
    assert code_of(replies) == Code.OK
    assert [len(p.payload) for p in replies[1:]] == [32] * 16
    assert replies[-1].pid == PID.END_DATA
    assert b"".join(p.payload for p in replies[1:]) == bytes(range(256)) * 2


def test_library_store_load_delete_empty_index():
    fw = Firmware(SensorSettings(capacity=600))
    template = bytes([7]) * CHAR_FILE_SIZE
    download_char(fw, template)
    for page in (0, 9, 300):
        assert code_of(cmd(fw, Instruction.STORE, 1, page.to_bytes(2, "big"))) == Code.OK
    assert code_of(cmd(fw, Instruction.STORE, 1, (600).to_bytes(2, "big"))) == Code.BAD_PAGE_ID
    count = cmd(fw, Instruction.TEMPLETE_NUM)[0]
    assert int.from_bytes(count.payload[1:3], "big") == 3
    table0 = cmd(fw, Instruction.READ_INDEX_TABLE, 0)[0].payload[1:]
    assert table0[0] == 0b1 and table0[1] == 0b10
    table1 = cmd(fw, Instruction.READ_INDEX_TABLE, 1)[0].payload[1:]
    assert table1[(300 - 256) // 8] == 1 << ((300 - 256) % 8)
    assert code_of(cmd(fw, Instruction.LOAD_CHAR, 2, (9).to_bytes(2, "big"))) == Code.OK
    assert fw.char_buffers[2] == template
    missing = cmd(fw, Instruction.LOAD_CHAR, 2, (5).to_bytes(2, "big"))
    assert code_of(missing) == Code.TEMPLATE_READ_ERROR
    assert code_of(cmd(fw, Instruction.DELET_CHAR, b"\x00\x09", b"\x00\x01")) == Code.OK
    assert 9 not in fw.library
    assert code_of(cmd(fw, Instruction.EMPTY)) == Code.OK
    assert len(fw.library) == 0


def test_library_persists_to_file(tmp_path):
    path = tmp_path / "flash.json"
    fw = Firmware(library=TemplateLibrary(100, path))
    download_char(fw, bytes([3]) * CHAR_FILE_SIZE)
    cmd(fw, Instruction.STORE, 1, b"\x00\x05")
    again = TemplateLibrary(100, path)
    assert again.pages() == [5] and again.get(5) == bytes([3]) * CHAR_FILE_SIZE


def test_flash_errors_are_injected():
    fw = Firmware(flash_error_rate=1.0)
    download_char(fw, bytes(CHAR_FILE_SIZE))
    assert code_of(cmd(fw, Instruction.STORE, 1, b"\x00\x00")) == Code.FLASH_ERROR
    assert code_of(cmd(fw, Instruction.EMPTY)) == Code.CLEAR_FAIL


def test_image_download_then_upload():
    fw = Firmware()
    assert code_of(cmd(fw, Instruction.UP_IMAGE)) == Code.UPLOAD_IMAGE_ERROR
    image = np.random.default_rng(1).integers(0, 16, (288, 256), dtype=np.uint8) * 17
    assert code_of(cmd(fw, Instruction.DOWN_IMAGE)) == Code.OK
    for packet in codec.data_packets(codec.pack_image(image), 128):
        fw.handle(packet)
    replies = cmd(fw, Instruction.UP_IMAGE)
    data = b"".join(p.payload for p in replies[1:])
    np.testing.assert_array_equal(codec.unpack_image(data), image)


def test_img2tz_without_image_and_match_without_chars():
    fw = Firmware()
    assert code_of(cmd(fw, Instruction.IMG2TZ, 1)) == Code.NO_VALID_IMAGE
    assert code_of(cmd(fw, Instruction.MATCH)) == Code.TEMPLATE_READ_ERROR
    assert code_of(cmd(fw, Instruction.REG_MODEL)) == Code.COMBINE_FAIL


def test_notepad_led_random_and_unknown():
    fw = Firmware()
    page = bytes(range(32))
    assert code_of(cmd(fw, Instruction.WRITE_NOTEPAD, 3, page)) == Code.OK
    assert cmd(fw, Instruction.READ_NOTEPAD, 3)[0].payload[1:] == page
    assert code_of(cmd(fw, Instruction.READ_NOTEPAD, 16)) == Code.BAD_NOTEPAD_PAGE
    assert code_of(cmd(fw, Instruction.AURA_LED_CONFIG, 1, 0x80, 2, 0)) == Code.OK
    assert fw.led.colour == 2
    assert len(cmd(fw, Instruction.GET_RANDOM_CODE)[0].payload) == 5
    assert code_of(cmd(fw, 0x77)) == Code.UNSUPPORTED
    old = Firmware(SensorSettings(led_ring=False))
    assert code_of(cmd(old, Instruction.AURA_LED_CONFIG, 1, 0x80, 2, 0)) == Code.UNSUPPORTED


def test_short_arguments_get_receive_error_not_a_crash():
    fw = Firmware()
    for instruction in (Instruction.STORE, Instruction.SEARCH, Instruction.VFY_PWD,
                        Instruction.SET_SYS_PARA, Instruction.IMG2TZ, Instruction.WRITE_NOTEPAD):
        assert code_of(cmd(fw, instruction)) == Code.PACKET_RECEIVE_ERROR


def test_stray_data_packets_are_ignored():
    fw = Firmware()
    assert fw.handle(Packet(PID.DATA, b"abc")) == []
    assert fw.handle(Packet(PID.ACK, b"\x00")) == []
