"""Basa Jawa (krama, the polite register a public office uses).

Needs review by a native speaker before field use; texts not yet translated
fall back to Bahasa Indonesia.
"""

from __future__ import annotations

NAME = "Basa Jawa"
ESPEAK_VOICE = "id"  # espeak-ng has no Javanese voice; Indonesian phonetics read it closely
FINGERS = {0: "jempol tengen", 1: "driji panuduh tengen", 2: "driji panunggul tengen",
           3: "driji manis tengen", 4: "jenthik tengen", 5: "jempol kiwa",
           6: "driji panuduh kiwa", 7: "driji panunggul kiwa", 8: "driji manis kiwa",
           9: "jenthik kiwa"}
ANY_FINGER = "salah satunggaling driji"

TEXTS: dict[str, str] = {
    "ui.idle_title": "Sugeng rawuh",
    "ui.idle_touch": "Tutul layar kangge miwiti",
    "ui.idle_say": "Sugeng rawuh. Tutul layar kangge mendhet bantuan.",
    "ui.language_title": "Pilih basa",
    "ui.language_say": "Pilih basa: Bahasa Indonesia, English, utawi Basa Jawa.",
    "ui.language_pick": "Tutul ing ngriki kangge Basa Jawa.",
    "ui.nik_title": "Ketik NIK: 16 angka ing KTP",
    "ui.nik_say": "Ketik NIK, nembelas angka ing KTP panjenengan, lajeng tutul tombol ijem.",
    "ui.ok": "Lajeng",
    "ui.delete": "Busak",
    "ui.cancel": "Batal",
    "ui.back": "Wangsul",
    "ui.done": "Rampung",
    "ui.wait": "Mangga dipun entosi sekedhap...",
    "ui.card_title": "Punapa menika panjenengan?",
    "ui.card_programmes": "Bantuan kangge panjenengan: {programmes}",
    "ui.card_say": "Punapa menika asma panjenengan, {name}? Menawi leres, tutul tombol ijem.",
    "ui.yes": "Inggih, leres",
    "ui.no": "Sanes",
    "ui.finger_title": "Tempelaken driji",
    "ui.attempt": "Coba {n} saking {total}",
    "ui.face_title": "Mirsani kamera",
    "ui.step_in": "Petugas",
    "ui.pin_title": "Petugas: mlebet mawi PIN",
    "ui.pin_pick": "Pilih nami panjenengan, lajeng ketik PIN.",
    "ui.pin_wrong": "PIN lepat. Kantun {n} malih.",
    "ui.pin_say": "Petugas, pilih nami lajeng ketik PIN.",
    "ui.more": "Sanesipun",
    "ui.officer_banner": "MODE PETUGAS",
    "ui.officer_assisted": "Dipun bantu petugas",
    "ui.officer_decide": "Petugas: pilih putusan",
    "ui.officer_reason": "Petugas: pilih alesan",
    "ui.officer_say": "Petugas, mangga pilih putusan.",
    "ui.result_ok": "Kasil",
    "ui.result_no": "Dereng kasil",
    "ui.result_refer": "Mangga dhateng petugas desa",
    "ui.result_come_back": "Mangga mriki malih mbekta KTP",
    "ui.result_cancel": "Dipun batalaken",
    "ui.receipt": "Tandha tampi",
    "ui.receipt_title": "Tandha tampi: pindai mawi HP",
    "ui.receipt_say": "Menika tandha tampi panjenengan. Petugas utawi kulawarga saged "
                      "mindai mawi HP.",
    "ui.tech": "Teknisi",
    "ui.tech_title": "Panel teknisi",
    "ui.online": "Nyambung dhateng hub",
    "ui.offline": "Dereng nyambung, data aman wonten piranti",
    "ui.queue": "{n} cathetan ngentosi dipun kirim",
    "ui.volume": "Swanten",
    "ui.language": "Basa",
    "face.ok": "Sae. Tetep mirsani kamera.",
    "face.look_at_camera": "Mirsani kamera kanthi leres.",
    "face.blink": "Kedhipaken mripat.",
    "face.turn_left": "Nolih mangiwa.",
    "face.turn_right": "Nolih manengen.",
    "face.open_mouth": "Bikak cangkem sekedhap.",
    "face.no_face": "Pasuryan dereng katingal. Mirsani layar.",
    "face.come_closer": "Majeng sekedhik dhateng kamera.",
    "face.move_back": "Mundur sekedhik saking kamera.",
    "face.hold_still": "Mendel sekedhap, sampun obah.",
    "choice.approve": "Sarujuk",
    "choice.deny": "Tolak",
    "choice.refer": "Rujuk dhateng kantor desa",
    "prompt.place_finger": "Tempelaken {finger} wonten kaca sensor.",
    "prompt.identify": "Tempelaken salah satunggaling driji ingkang sampun dipun dhaftaraken.",
    "prompt.no_match_retry": "Dereng cocok. Angkat driji, lajeng tempelaken malih {finger}.",
    "prompt.next_finger": "Kita coba driji sanesipun: tempelaken {finger}.",
    "prompt.face": "Kita coba mawi pasuryan: mirsani kamera lan tindakaken pitedah ing layar.",
    "prompt.face_retry": "Pasuryan dereng cocok. Mirsani kamera malih.",
    "prompt.face_liveness_retry":
        "Obahipun dereng ketingal. Kita baleni: tindakaken pitedah ing layar alon-alon.",
    "prompt.officer_needed": "Petugas badhe mbiyantu panjenengan. Mangga dipun entosi.",
    "prompt.officer_place_finger": "Petugas: tempelaken driji kangge mlebet.",
    "prompt.officer_not_recognised": "Sidik driji petugas dereng dipun kenali. Coba malih.",
    "prompt.officer_authenticated": "Petugas {officer} sampun dipun kenali.",
    "prompt.identify_failed": "Sidik driji dereng dipun kenali. Mangga ketik NIK.",
    "prompt.identify_unavailable": "Mangga ketik NIK.",
    "guidance.ok": "Tempelaken {finger} wonten kaca sensor.",
    "guidance.no_finger": "Driji dereng kewaos. Tempelaken {finger} wonten kaca sensor.",
    "guidance.press_harder": "Penet driji rada kenceng.",
    "guidance.press_lighter": "Penet driji rada alon.",
    "guidance.centre_finger": "Selehaken driji pas ing tengah kaca.",
    "guidance.clean_or_dry": "Lap driji ngantos resik lan garing, lajeng coba malih.",
    "guidance.moisten": "Driji kegaringen. Damu driji, lajeng coba malih.",
    "guidance.hold_still": "Tahan driji, sampun obah.",
    "result.matched": "Kasil. Bantuan {programme} periode {period} sampun dipun cathet.",
    "result.officer_approved": "Dipun sarujuki petugas. Bantuan {programme} periode {period} "
                               "sampun dipun cathet.",
    "result.officer_denied": "Petugas dereng saged mastekaken identitas panjenengan. Mangga "
                             "dhateng kantor desa mbekta KTP lan KK.",
    "result.officer_referred": "Petugas nyuwun panjenengan dhateng kantor desa mbekta KTP lan "
                               "KK kangge dipun priksa.",
    "result.officer_referred_documents": "Mangga mendhet KTP panjenengan rumiyin, lajeng "
                                         "mriki malih. Bantuan {programme} periode {period} "
                                         "taksih saged dipun pendhet.",
    "result.officer_unavailable": "Dereng wonten petugas ingkang saged mbiyantu. Mangga "
                                  "hubungi kantor desa.",
    "result.cancelled_by_person": "Dipun batalaken. Panjenengan saged nyobi malih "
                                  "sawanci-wanci.",
    "result.cancelled_by_officer": "Dipun batalaken dening petugas.",
    "result.not_in_roster": "NIK panjenengan boten kacathet minangka panampi bantuan ing desa "
                            "menika. Petugas desa saged mbiyantu mriksa data.",
    "result.not_in_programme": "Panjenengan boten kacathet minangka panampi {programme}. "
                               "Petugas desa saged mbiyantu mriksa data.",
    "result.not_eligible_period": "Panjenengan boten kacathet minangka panampi {programme} "
                                  "periode {period}. Petugas desa saged mbiyantu mriksa data.",
    "result.already_claimed": "Bantuan {programme} periode {period} sampun dipun pendhet. "
                              "Menawi dereng nampi, mangga hubungi petugas desa.",
    "result.deceased": "Data nyathet panampi menika sampun seda. Menawi lepat, mangga "
                       "dhateng petugas desa kangge ndandosi data.",
    "result.storage_error": "Nyuwun pangapunten, sistem boten saged nyimpen putusan. Bantuan "
                            "DERENG kacathet. Mangga hubungi petugas.",
}
