"""Eligibility: may this person claim this programme for this period? Pure.

Reasons come from the integrated social-welfare data (delivered in the roster)
plus the kiosk's own (not in roster, already claimed). Each has a code the hub
counts and a message in plain Bahasa Indonesia that also says where to go next:
a refusal is never a dead end for someone who believes it is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

ELIGIBLE = "eligible"

# code -> (message for the person, English for logs). {programme} / {period} are filled in.
REASONS: dict[str, tuple[str, str]] = {
    ELIGIBLE: ("Anda terdaftar sebagai penerima {programme} periode {period}.",
               "eligible"),
    "not_in_roster": (
        "NIK Anda tidak terdaftar sebagai penerima bantuan di desa ini. Petugas desa dapat "
        "membantu memeriksa data atau mengusulkan Anda.",
        "NIK not in this village's roster"),
    "not_in_programme": (
        "Anda tidak terdaftar sebagai penerima {programme}. Petugas desa dapat membantu "
        "memeriksa data Anda.",
        "not a recipient of this programme"),
    "not_eligible_period": (
        "Anda tidak terdaftar sebagai penerima {programme} untuk periode {period}. Petugas desa "
        "dapat membantu memeriksa data Anda.",
        "no entitlement for this period"),
    "already_claimed": (
        "Bantuan {programme} periode {period} sudah diambil. Jika Anda merasa belum menerimanya, "
        "silakan hubungi petugas desa.",
        "already claimed in this period"),
    "deceased": (
        "Data terpadu mencatat penerima ini sudah meninggal dunia. Jika ini keliru, silakan "
        "ke petugas desa untuk perbaikan data.",
        "recorded as deceased"),
    "moved": (
        "Data terpadu mencatat Anda sudah pindah domisili. Petugas desa dapat membantu "
        "memindahkan atau memperbaiki data Anda.",
        "recorded as moved away"),
    "civil_servant": (
        "Data terpadu mencatat anggota keluarga sebagai ASN/TNI/Polri, sehingga tidak termasuk "
        "penerima. Jika keliru, ajukan sanggahan melalui petugas desa.",
        "household member is a civil servant / military / police"),
    "above_income_threshold": (
        "Data terpadu mencatat penghasilan keluarga di atas batas program ini. Jika keadaan "
        "berubah, ajukan sanggahan melalui petugas desa.",
        "household income above the programme threshold"),
    "land_owner": (
        "Data terpadu mencatat keluarga memiliki lahan di atas batas program ini. Jika keliru, "
        "ajukan sanggahan melalui petugas desa.",
        "household owns land above the programme threshold"),
    "duplicate_identity": (
        "NIK ini tercatat ganda di data terpadu. Petugas desa dapat membantu memeriksa data "
        "Anda.",
        "duplicate identity in the integrated data"),
    "suspended": (
        "Bantuan Anda sedang ditangguhkan sementara untuk pemeriksaan data. Silakan hubungi "
        "petugas desa.",
        "entitlement suspended pending review"),
}
GENERIC = ("Anda belum dapat menerima {programme} periode {period} (kode {code}). Petugas desa "
           "dapat menjelaskan dan membantu memeriksa data Anda.",
           "not eligible: {code}")


@dataclass(frozen=True)
class Entitlement:
    programme: str
    period: str
    eligible: bool
    reason: str | None = None


@dataclass(frozen=True)
class EligibilityDecision:
    eligible: bool
    code: str
    pesan: str  # for the person
    message: str  # for logs


def explain(code: str, programme: str = "", period: str = "") -> tuple[str, str]:
    pesan, message = REASONS.get(code, GENERIC)
    fill = {"programme": programme, "period": period, "code": code}
    return pesan.format(**fill), message.format(**fill)


def decide(found: bool, programme: str, period: str, entitlements: list[Entitlement],
           already_claimed: bool) -> EligibilityDecision:
    """Roster facts -> decision. ``entitlements``: every entry of this person."""

    def result(code: str) -> EligibilityDecision:
        return EligibilityDecision(code == ELIGIBLE, code, *explain(code, programme, period))

    if not found:
        return result("not_in_roster")
    mine = [e for e in entitlements if e.programme == programme]
    if not mine:
        return result("not_in_programme")
    entry = next((e for e in mine if e.period == period), None)
    if entry is None:
        return result("not_eligible_period")
    if not entry.eligible:
        return result(entry.reason or "not_eligible_period")
    if already_claimed:
        return result("already_claimed")
    return result(ELIGIBLE)
