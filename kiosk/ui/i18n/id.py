"""Bahasa Indonesia: the kiosk's default language.

Prompt, guidance and result texts are taken from the flows' own catalogue
(kiosk/flows/prompts.py) and the eligibility reasons, so the screen and the
records never disagree; this file adds what only the screen says.
"""

from __future__ import annotations

from ...flows.prompts import FINGERS as _FINGERS
from ...flows.prompts import GUIDANCE, PROMPTS, RESULTS
from ...roster.eligibility import GENERIC, REASONS

NAME = "Bahasa Indonesia"
ESPEAK_VOICE = "id"
FINGERS = {k: v[0] for k, v in _FINGERS.items()}
ANY_FINGER = "salah satu jari"

TEXTS: dict[str, str] = {
    "ui.idle_title": "Selamat datang",
    "ui.idle_touch": "Sentuh layar untuk mulai",
    "ui.idle_say": "Selamat datang. Sentuh layar untuk mengambil bantuan.",
    "ui.language_title": "Pilih bahasa",
    "ui.language_say": "Pilih bahasa. Sentuh Bahasa Indonesia, English, atau Basa Jawa.",
    "ui.language_pick": "Sentuh di sini untuk Bahasa Indonesia.",
    "ui.nik_title": "Ketik NIK: 16 angka di KTP",
    "ui.nik_say": "Ketik nomor NIK, enam belas angka di KTP Anda, lalu sentuh tombol hijau.",
    "ui.ok": "Lanjut",
    "ui.delete": "Hapus",
    "ui.cancel": "Batal",
    "ui.back": "Kembali",
    "ui.done": "Selesai",
    "ui.wait": "Mohon tunggu sebentar...",
    "ui.card_title": "Apakah ini Anda?",
    "ui.card_programmes": "Bantuan untuk Anda: {programmes}",
    "ui.card_say": "Apakah ini nama Anda, {name}? Jika benar, sentuh tombol hijau.",
    "ui.yes": "Ya, benar",
    "ui.no": "Bukan",
    "ui.finger_title": "Tempelkan jari",
    "ui.attempt": "Percobaan {n} dari {total}",
    "ui.face_title": "Lihat ke kamera",
    "ui.step_in": "Petugas",
    "ui.pin": "PIN",
    "ui.pin_title": "Petugas: masuk dengan PIN",
    "ui.pin_pick": "Pilih nama Anda, lalu ketik PIN.",
    "ui.pin_wrong": "PIN salah. Sisa {n} kali.",
    "ui.pin_say": "Petugas, pilih nama Anda lalu ketik PIN.",
    "ui.more": "Lainnya",
    "ui.officer_banner": "MODE PETUGAS",
    "ui.officer_assisted": "Dibantu petugas",
    "ui.officer_decide": "Petugas: pilih keputusan",
    "ui.officer_reason": "Petugas: pilih alasan",
    "ui.officer_say": "Petugas, silakan pilih keputusan.",
    "ui.result_ok": "Berhasil",
    "ui.result_no": "Belum berhasil",
    "ui.result_refer": "Temui petugas desa",
    "ui.result_come_back": "Datang lagi dengan KTP",
    "ui.result_cancel": "Dibatalkan",
    "ui.receipt": "Tanda terima",
    "ui.receipt_title": "Tanda terima: pindai dengan HP",
    "ui.receipt_say": "Ini tanda terima Anda. Petugas atau keluarga dapat memindainya dengan HP.",
    "ui.tech": "Teknisi",
    "ui.tech_title": "Panel teknisi",
    "ui.online": "Terhubung ke hub",
    "ui.offline": "Belum terhubung, data aman di perangkat",
    "ui.queue": "{n} catatan menunggu dikirim",
    "ui.volume": "Suara",
    "ui.language": "Bahasa",
    "face.ok": "Bagus. Tetap lihat ke kamera.",
    "face.look_at_camera": "Lihat lurus ke kamera.",
    "face.blink": "Kedipkan mata.",
    "face.turn_left": "Tolehkan kepala ke kiri.",
    "face.turn_right": "Tolehkan kepala ke kanan.",
    "face.open_mouth": "Buka mulut sebentar.",
    "face.no_face": "Wajah belum terlihat. Lihat ke layar.",
    "face.one_person": "Hanya satu orang di depan kamera.",
    "face.come_closer": "Maju sedikit ke kamera.",
    "face.move_back": "Mundur sedikit dari kamera.",
    "face.centre_face": "Geser wajah ke tengah layar.",
    "face.hold_still": "Diam sebentar, jangan bergerak.",
    "face.more_light": "Terlalu gelap. Hadap ke arah cahaya.",
    "face.less_light": "Terlalu terang. Jauhi cahaya di belakang kamera.",
    "face.face_the_light": "Hadapkan wajah ke arah cahaya.",
    "choice.approve": "Setujui",
    "choice.deny": "Tolak",
    "choice.refer": "Rujuk ke kantor desa",
    "reason.identity_confirmed_ktp": "Dicek dengan KTP",
    "reason.identity_confirmed_kk": "Dicek dengan KK",
    "reason.known_personally": "Saya kenal orangnya",
    "reason.worn_fingerprints": "Sidik jari aus",
    "reason.injured_or_missing_fingers": "Jari luka atau tidak ada",
    "reason.elderly_or_frail": "Lansia atau sakit",
    "reason.sensor_fault": "Sensor rusak",
    "reason.identity_not_confirmed": "Identitas tidak pasti",
    "reason.impostor_suspected": "Diduga bukan orangnya",
    "reason.documents_missing": "Dokumen tidak dibawa",
    "reason.needs_data_correction": "Data perlu diperbaiki",
    "reason.needs_review": "Perlu diperiksa",
    "prompt.nik_empty": "NIK belum diisi.",
    "prompt.nik_length": "NIK harus 16 angka. Periksa kembali NIK di KTP.",
    "prompt.nik_not_digits": "NIK hanya berisi angka. Periksa kembali NIK di KTP.",
    "prompt.nik_province": "Dua angka pertama NIK bukan kode provinsi. Periksa kembali KTP.",
    "prompt.nik_birth_date": "Tanggal lahir dalam NIK tidak valid. Periksa kembali KTP.",
}
TEXTS.update({f"prompt.{k}": v[0] for k, v in PROMPTS.items()})
TEXTS.update({f"guidance.{k}": v[0] for k, v in GUIDANCE.items()})
TEXTS.update({f"result.{k}": v[0] for k, v in REASONS.items()})
TEXTS.update({f"result.{k}": v[0] for k, v in RESULTS.items()})
TEXTS["result.generic"] = GENERIC[0]
