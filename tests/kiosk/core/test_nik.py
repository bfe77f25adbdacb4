"""NIK validation table: every rule, both languages, normalisation."""

import datetime as dt

import pytest

from kiosk.roster.nik import InvalidNik, mask_nik, validate_nik

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize("text, code", [
    ("", "nik_empty"),
    ("   ", "nik_empty"),
    ("32010145019A0001", "nik_not_digits"),
    ("３２０１０１４５０１９００００１", "nik_not_digits"),  # full-width digits
    ("320101450190001", "nik_length"),
    ("32010145019000011", "nik_length"),
    ("1001014501900001", "nik_province"),  # 10 is not a province
    ("2001014501900001", "nik_province"),
    ("9901014501900001", "nik_province"),
    ("3200014501900001", "nik_regency"),
    ("3201004501900001", "nik_district"),
    ("3201013201900001", "nik_birth_date"),  # day 32
    ("3201010013900001", "nik_birth_date"),  # month 13
    ("3201010000900001", "nik_birth_date"),  # day 00
    ("3201013102900001", "nik_birth_date"),  # 31 February
    ("3201017202900001", "nik_birth_date"),  # woman, day 32
    ("3201012902910001", "nik_birth_date"),  # 29 Feb 1991/2091: no leap year
    ("3201014501900000", "nik_serial"),
])
def test_invalid(text, code):
    with pytest.raises(InvalidNik) as exc:
        validate_nik(text, TODAY)
    assert exc.value.code == code
    assert exc.value.pesan and exc.value.message
    assert exc.value.structural == (code in {"nik_empty", "nik_not_digits", "nik_length"})


@pytest.mark.parametrize("text, born, female, province", [
    ("3201011501900001", dt.date(1990, 1, 15), False, "Jawa Barat"),
    ("3201015501900001", dt.date(1990, 1, 15), True, "Jawa Barat"),
    ("1101012902000001", dt.date(2000, 2, 29), False, "Aceh"),
    ("3201016912450123", dt.date(1945, 12, 29), True, "Jawa Barat"),
    ("9601010101230001", dt.date(2023, 1, 1), False, "Papua Barat Daya"),
    ("9401010101300001", dt.date(1930, 1, 1), False, "Papua Tengah"),  # 2030 is the future
    ("3201 0115 0190 0001", dt.date(1990, 1, 15), False, "Jawa Barat"),
    ("3201.0115.0190.0001", dt.date(1990, 1, 15), False, "Jawa Barat"),
])
def test_valid(text, born, female, province):
    info = validate_nik(text, TODAY)
    assert info.birth_date == born and info.female == female
    assert info.province_name == province and len(info.nik) == 16


def test_mask():
    assert mask_nik("3201011501900001") == "320101********01"
