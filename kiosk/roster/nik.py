"""NIK (Nomor Induk Kependudukan) validation, with messages for the person and for logs.

A NIK is 16 digits: province (2), regency/city (2), district (2), birth date
DDMMYY with 40 added to the day for women, and a 4-digit serial. Only the
structure is checked here; whether the person exists is the roster's business.

Province codes are Kemendagri's (the codes Dukcapil puts in NIKs), including the
Papua provinces created in 2022 (93..96): rejecting a real NIK would lock an
honest person out, so the list errs on the side of the current official one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PROVINCES: dict[str, str] = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau",
    "15": "Jambi", "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau", "31": "DKI Jakarta",
    "32": "Jawa Barat", "33": "Jawa Tengah", "34": "DI Yogyakarta", "35": "Jawa Timur",
    "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara",
    "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}

# Characters people type between digit groups; they are not part of the NIK.
_SEPARATORS = re.compile(r"[\s.\-]")


class InvalidNik(ValueError):
    """``code`` for logs and the hub, ``message`` in English, ``pesan`` for the person."""

    def __init__(self, code: str, message: str, pesan: str, structural: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.pesan = pesan
        #: True when the text cannot be a NIK at all (not 16 digits)
        self.structural = structural


@dataclass(frozen=True)
class NikInfo:
    nik: str
    province: str
    province_name: str
    regency: str
    district: str
    birth_date: dt.date
    female: bool
    serial: str


def normalise(text: str) -> str:
    return _SEPARATORS.sub("", text or "")


def _birth_date(day: int, month: int, yy: int, today: dt.date) -> dt.date | None:
    """The birth date in DDMMYY; the century is a guess (not in the future)."""
    candidates = []
    for century in (2000, 1900):
        try:
            candidates.append(dt.date(century + yy, month, day))
        except ValueError:
            continue
    for d in candidates:
        if d <= today:
            return d
    return candidates[0] if candidates else None


def validate_nik(text: str, today: dt.date | None = None) -> NikInfo:
    """The parts of a NIK, or InvalidNik saying what is wrong, in both languages."""
    nik = normalise(text)
    if not nik:
        raise InvalidNik("nik_empty", "NIK is empty", "NIK belum diisi.", structural=True)
    if not nik.isascii() or not nik.isdigit():
        raise InvalidNik("nik_not_digits", "NIK must contain digits only",
                         "NIK hanya berisi angka. Periksa kembali NIK di KTP.", structural=True)
    if len(nik) != 16:
        raise InvalidNik("nik_length", f"NIK must have 16 digits, got {len(nik)}",
                         f"NIK harus 16 angka; yang dimasukkan {len(nik)} angka.",
                         structural=True)
    province, regency, district = nik[0:2], nik[2:4], nik[4:6]
    if province not in PROVINCES:
        raise InvalidNik("nik_province", f"unknown province code {province}",
                         f"Kode provinsi {province} (dua angka pertama NIK) tidak dikenal. "
                         "Periksa kembali NIK di KTP.")
    if regency == "00":
        raise InvalidNik("nik_regency", "regency code 00 is not valid",
                         "Kode kabupaten/kota (angka ke-3 dan ke-4 NIK) tidak boleh 00.")
    if district == "00":
        raise InvalidNik("nik_district", "district code 00 is not valid",
                         "Kode kecamatan (angka ke-5 dan ke-6 NIK) tidak boleh 00.")
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    born = _birth_date(day - 40 if female else day, month, yy, today or dt.date.today())
    if born is None:
        raise InvalidNik("nik_birth_date", f"birth date {nik[6:12]} (DDMMYY, day+40 for women) "
                         "is not a date",
                         "Tanggal lahir dalam NIK (angka ke-7 sampai ke-12) tidak valid. "
                         "Periksa kembali NIK di KTP.")
    if nik[12:16] == "0000":
        raise InvalidNik("nik_serial", "serial number 0000 is not valid",
                         "Nomor urut (empat angka terakhir NIK) tidak boleh 0000.")
    return NikInfo(nik, province, PROVINCES[province], regency, district, born, female,
                   nik[12:16])


def mask_nik(nik: str) -> str:
    """For screens and logs: region code and last two digits only."""
    return nik[:6] + "*" * max(0, len(nik) - 8) + nik[-2:] if len(nik) > 8 else "*" * len(nik)
