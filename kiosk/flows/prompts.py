"""What the kiosk says: prompt and result texts (Bahasa Indonesia for people, English for logs).

A first catalogue; the UI issue moves it to kiosk/ui/i18n/ and adds voice.
Fingers are numbered 0..9: right thumb, index, middle, ring, little, then the left hand.
"""

from __future__ import annotations

from ..biometrics.fingerprint.interface import Guidance
from ..roster.eligibility import explain
from ..storage.templates import FACE_SLOT  # the face's "finger" in templates and exceptions

FINGERS: dict[int, tuple[str, str]] = {
    0: ("ibu jari kanan", "right thumb"), 1: ("telunjuk kanan", "right index"),
    2: ("jari tengah kanan", "right middle"), 3: ("jari manis kanan", "right ring"),
    4: ("kelingking kanan", "right little"), 5: ("ibu jari kiri", "left thumb"),
    6: ("telunjuk kiri", "left index"), 7: ("jari tengah kiri", "left middle"),
    8: ("jari manis kiri", "left ring"), 9: ("kelingking kiri", "left little"),
}


def finger_name(finger: int | None, english: bool = False) -> str:
    if finger is None:
        return "any finger" if english else "salah satu jari"
    if finger == FACE_SLOT:
        return "face" if english else "wajah"
    return FINGERS[finger][1 if english else 0]


GUIDANCE: dict[str, tuple[str, str]] = {
    Guidance.OK: ("Tempelkan {finger} di kaca sensor.", "place the {finger_en} on the sensor"),
    Guidance.NO_FINGER: ("Jari belum terbaca. Tempelkan {finger} di kaca sensor.",
                         "no finger seen; place the {finger_en} on the sensor"),
    Guidance.PRESS_HARDER: ("Tekan jari sedikit lebih kuat.", "press harder"),
    Guidance.PRESS_LIGHTER: ("Tekan jari lebih pelan.", "press more lightly"),
    Guidance.CENTRE_FINGER: ("Letakkan jari tepat di tengah kaca sensor.",
                             "centre the finger on the sensor"),
    Guidance.CLEAN_OR_DRY: ("Lap jari sampai bersih dan kering, lalu coba lagi.",
                            "clean and dry the finger, then try again"),
    Guidance.MOISTEN: ("Jari terlalu kering. Usap jari ke dahi atau tiup jari, lalu coba lagi.",
                       "finger too dry: moisten it slightly and try again"),
    Guidance.HOLD_STILL: ("Tahan jari, jangan bergerak.", "hold the finger still"),
}

PROMPTS: dict[str, tuple[str, str]] = {
    "place_finger": ("Tempelkan {finger} di kaca sensor.", "place the {finger_en} on the sensor"),
    "identify": ("Tempelkan salah satu jari yang sudah didaftarkan.",
                 "place any enrolled finger on the sensor"),
    "no_match_retry": ("Sidik jari belum cocok. Angkat jari, lalu tempelkan lagi {finger}.",
                       "no match yet; lift and place the {finger_en} again"),
    "next_finger": ("Kita coba jari lain: tempelkan {finger}.",
                    "trying another finger: the {finger_en}"),
    "face": ("Kita coba dengan wajah: lihat ke kamera dan ikuti petunjuk di layar.",
             "trying the face: look at the camera and follow the prompts"),
    "face_retry": ("Wajah belum cocok. Lihat lagi ke kamera.",
                   "face did not match yet; look at the camera again"),
    "face_liveness_retry": (
        "Gerakan belum terlihat. Kita ulangi: ikuti petunjuk di layar pelan-pelan.",
        "the face challenge was not done in time; trying once more"),
    "officer_needed": ("Petugas akan membantu Anda. Mohon tunggu sebentar.",
                       "an officer will assist; officer authentication needed"),
    "officer_place_finger": ("Petugas: tempelkan jari Anda untuk masuk.",
                             "officer: place your finger to authenticate"),
    "officer_not_recognised": ("Sidik jari petugas tidak dikenali. Coba lagi.",
                               "officer fingerprint not recognised; try again"),
    "officer_self": ("Petugas tidak boleh menyetujui data dirinya sendiri. Panggil petugas lain.",
                     "an officer cannot sign off their own record; another officer is needed"),
    "officer_pin": ("Petugas: pilih nama Anda, lalu ketik PIN.",
                    "officer: pick your name, then type your PIN"),
    "officer_pin_wrong": ("PIN salah. Sisa {left} kali.", "wrong PIN; {left} tries left"),
    "officer_pin_closed": ("PIN terlalu sering salah. Petugas: masuk dengan sidik jari.",
                           "too many wrong PINs; officer: sign in with your finger"),
    "officer_pin_unavailable": ("Belum ada petugas dengan PIN di perangkat ini. Petugas: "
                                "masuk dengan sidik jari.",
                                "no officer has a PIN on this kiosk; use the finger"),
    "officer_strong_mismatch": (
        "Petugas: {captures} rekaman sidik jari yang terbaca dari {fingers} jari semuanya "
        "jauh di bawah ambang; kemungkinan besar ini orang lain. Persetujuan di kiosk tidak "
        "tersedia: tolak, atau rujuk ke kantor desa dengan KK dan KTP.",
        "officer: {captures} usable captures of {fingers} fingers all scored far below the "
        "threshold, strong evidence of someone else; no approval at the kiosk: deny, or refer "
        "to the village office with KK and KTP"),
    "officer_step_in": ("Petugas mengambil alih. Petugas: masuk dengan sidik jari atau PIN.",
                        "an officer stepped in; officer authentication needed"),
    "officer_authenticated": ("Petugas {officer} dikenali.", "officer {officer} authenticated"),
    "identify_failed": ("Sidik jari belum dikenali. Silakan masukkan NIK Anda.",
                        "not identified by finger; enter the NIK"),
    "identify_unavailable": ("Silakan masukkan NIK Anda.", "enter the NIK"),
    "enrol_again": ("Angkat jari, lalu tempelkan lagi {finger}.",
                    "lift and place the {finger_en} again"),
    "enrol_inconsistent": ("Rekaman belum konsisten. Tempelkan lagi {finger}.",
                           "impressions disagree; place the {finger_en} again"),
    "enrol_same_finger": ("Jari ini sudah direkam sebagai jari lain. Tempelkan {finger}.",
                          "this finger was already enrolled as another; use the {finger_en}"),
    "enrol_finger_done": ("{finger} berhasil direkam.", "{finger_en} enrolled"),
    "enrol_finger_failed": ("Petugas: {finger} sulit direkam. Coba lagi, atau catat sebagai "
                            "tidak terbaca.",
                            "officer: the {finger_en} could not be enrolled; retry or record "
                            "an exception"),
    "enrol_face": ("Lihat ke kamera dan ikuti petunjuk di layar untuk merekam wajah.",
                   "face enrolment: look at the camera and follow the prompts"),
    "enrol_face_again": ("Wajah belum terekam. Lihat lagi ke kamera dan ikuti petunjuk.",
                         "no usable live face yet; look at the camera again"),
    "enrol_face_done": ("Wajah berhasil direkam.", "face enrolled"),
    "enrol_face_failed": ("Petugas: wajah sulit direkam. Coba lagi, catat sebagai tidak dapat "
                          "dipakai, atau lewati.",
                          "officer: the face could not be enrolled; retry, record an "
                          "exception, or skip"),
    "finish_needs_exception": ("Petugas: catat alasan jari yang tidak direkam sebelum selesai.",
                               "officer: record an exception before finishing with fewer "
                               "fingers"),
}

# Outcome/reason texts beyond the eligibility reasons (kiosk/roster/eligibility.py).
# The result text of a referral for documents_missing (ShowResult.text_code; RESULTS below).
COME_BACK = "officer_referred_documents"

RESULTS: dict[str, tuple[str, str]] = {
    "matched": ("Verifikasi berhasil. Bantuan {programme} periode {period} tercatat.",
                "identity verified; claim recorded"),
    "officer_approved": ("Disetujui oleh petugas. Bantuan {programme} periode {period} "
                         "tercatat.", "approved by an officer; claim recorded"),
    "officer_denied": ("Petugas tidak dapat memastikan identitas Anda. Silakan ke kantor desa "
                       "dengan KTP dan KK.", "officer denied the claim"),
    "officer_referred": ("Petugas meminta Anda datang ke kantor desa dengan KTP dan KK untuk "
                         "pemeriksaan.", "officer referred the person for review"),
    # Shown instead of officer_referred when the officer's reason is documents_missing: the
    # claim is still open this period, so the person must hear that coming back is enough.
    "officer_referred_documents": ("Ambil KTP Anda di rumah, lalu datang lagi ke sini. Bantuan "
                                   "{programme} periode {period} masih bisa diambil.",
                                   "officer sent the person home for their KTP; the claim "
                                   "stays open this period"),
    "officer_unavailable": ("Belum ada petugas yang dapat membantu di perangkat ini. Silakan "
                            "hubungi kantor desa.", "no enrolled officer available"),
    "officer_auth_failed": ("Petugas belum dapat masuk. Silakan hubungi kantor desa.",
                            "officer authentication failed"),
    "cancelled_by_person": ("Dibatalkan. Anda dapat mencoba lagi kapan saja.",
                            "cancelled by the person"),
    "cancelled_by_officer": ("Dibatalkan oleh petugas.", "cancelled by the officer"),
    "nik_invalid": ("NIK belum benar. Silakan minta bantuan petugas.",
                    "NIK could not be entered"),
    "enrolled": ("Pendaftaran selesai.", "enrolment complete"),
    "enrolled_with_exceptions": ("Pendaftaran selesai dengan catatan petugas.",
                                 "enrolment complete with officer-recorded exceptions"),
    "enrolment_incomplete": ("Pendaftaran belum selesai. Verifikasi akan dibantu petugas.",
                             "enrolment incomplete: too few fingers and no exception recorded"),
    "duplicate_finger": ("Sidik jari ini sudah terdaftar atas nama lain. Data akan diperiksa "
                         "oleh dinas; petugas akan menghubungi Anda.",
                         "finger already enrolled under another NIK: flagged for review"),
    "storage_error": ("Maaf, sistem tidak dapat menyimpan keputusan. Bantuan BELUM tercatat. "
                      "Silakan hubungi petugas.", "the decision could not be recorded"),
}


def fill(template: tuple[str, str], **kw) -> tuple[str, str]:
    finger = kw.pop("finger", None)
    values = {"finger": finger_name(finger), "finger_en": finger_name(finger, True), **kw}
    pesan, message = template
    return pesan.format(**values), message.format(**values)


def prompt_text(code: str, **kw) -> tuple[str, str]:
    return fill(PROMPTS[code], **kw)


def guidance_text(guidance: str, finger: int | None) -> tuple[str, str]:
    return fill(GUIDANCE.get(guidance, GUIDANCE[Guidance.OK]), finger=finger)


def result_text(reason: str, programme: str | None = None,
                period: str | None = None) -> tuple[str, str]:
    if reason in RESULTS:
        return fill(RESULTS[reason], programme=programme or "", period=period or "")
    return explain(reason, programme or "", period or "")
