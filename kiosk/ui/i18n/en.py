"""English."""

from __future__ import annotations

NAME = "English"
ESPEAK_VOICE = "en-gb"
FINGERS = {0: "right thumb", 1: "right index finger", 2: "right middle finger",
           3: "right ring finger", 4: "right little finger", 5: "left thumb",
           6: "left index finger", 7: "left middle finger", 8: "left ring finger",
           9: "left little finger"}
ANY_FINGER = "any finger"

TEXTS: dict[str, str] = {
    "ui.idle_title": "Welcome",
    "ui.idle_touch": "Touch the screen to start",
    "ui.idle_say": "Welcome. Touch the screen to collect your assistance.",
    "ui.language_title": "Choose a language",
    "ui.language_say": "Choose a language: Bahasa Indonesia, English or Basa Jawa.",
    "ui.language_pick": "Touch here for English.",
    "ui.nik_title": "Type your NIK: 16 digits on your ID card",
    "ui.nik_say": "Type your NIK, the sixteen digits on your ID card, then touch the green "
                  "button.",
    "ui.ok": "Next",
    "ui.delete": "Delete",
    "ui.cancel": "Cancel",
    "ui.back": "Back",
    "ui.done": "Done",
    "ui.wait": "Please wait...",
    "ui.card_title": "Is this you?",
    "ui.card_programmes": "Assistance for you: {programmes}",
    "ui.card_say": "Is this your name, {name}? If it is, touch the green button.",
    "ui.yes": "Yes, that is me",
    "ui.no": "No",
    "ui.finger_title": "Place your finger",
    "ui.attempt": "Try {n} of {total}",
    "ui.face_title": "Look at the camera",
    "ui.step_in": "Officer",
    "ui.pin": "PIN",
    "ui.pin_title": "Officer: sign in with PIN",
    "ui.pin_pick": "Pick your name, then type the PIN.",
    "ui.pin_wrong": "Wrong PIN. {n} tries left.",
    "ui.pin_say": "Officer, pick your name and type your PIN.",
    "ui.more": "More",
    "prompt.officer_pin": "Officer: pick your name, then type your PIN.",
    "prompt.officer_pin_wrong": "Wrong PIN. {left} tries left.",
    "prompt.officer_pin_closed": "Too many wrong PINs. Officer: sign in with your finger.",
    "prompt.officer_pin_unavailable": "No officer has a PIN on this kiosk. Officer: use your "
                                      "finger.",
    "prompt.officer_strong_mismatch": "Officer: {captures} good readings of {fingers} fingers "
                                      "all scored far below the threshold, most likely someone "
                                      "else. No approval at the kiosk: deny, or refer to the "
                                      "village office with KK and KTP.",
    "prompt.officer_step_in": "An officer is taking over. Officer: sign in with your finger "
                              "or PIN.",
    "ui.officer_banner": "OFFICER MODE",
    "ui.officer_assisted": "Officer assisted",
    "ui.officer_decide": "Officer: choose a decision",
    "ui.officer_reason": "Officer: choose the reason",
    "ui.officer_say": "Officer, please choose a decision.",
    "ui.result_ok": "Verified",
    "ui.result_no": "Not verified",
    "ui.result_refer": "See the village officer",
    "ui.result_come_back": "Come back with your KTP",
    "ui.result_cancel": "Cancelled",
    "ui.receipt": "Receipt",
    "ui.receipt_title": "Receipt: scan with a phone",
    "ui.receipt_say": "This is your receipt. An officer or your family can scan it with a "
                      "phone.",
    "ui.tech": "Technician",
    "ui.tech_title": "Technician panel",
    "ui.online": "Connected to the hub",
    "ui.offline": "Not connected; records are safe on this kiosk",
    "ui.queue": "{n} records waiting to be sent",
    "ui.volume": "Volume",
    "ui.language": "Language",
    "face.ok": "Good. Keep looking at the camera.",
    "face.look_at_camera": "Look straight at the camera.",
    "face.blink": "Blink your eyes.",
    "face.turn_left": "Turn your head to the left.",
    "face.turn_right": "Turn your head to the right.",
    "face.open_mouth": "Open your mouth for a moment.",
    "face.no_face": "Your face is not seen yet. Look at the screen.",
    "face.one_person": "Only one person in front of the camera, please.",
    "face.come_closer": "Come a little closer to the camera.",
    "face.move_back": "Move back a little from the camera.",
    "face.centre_face": "Move your face to the middle of the screen.",
    "face.hold_still": "Hold still for a moment.",
    "face.more_light": "Too dark. Face towards the light.",
    "face.less_light": "Too bright. Move away from the light behind the camera.",
    "face.face_the_light": "Turn your face towards the light.",
    "choice.approve": "Approve",
    "choice.deny": "Deny",
    "choice.refer": "Refer to the village office",
    "reason.identity_confirmed_ktp": "Checked the ID card (KTP)",
    "reason.identity_confirmed_kk": "Checked the family card (KK)",
    "reason.known_personally": "I know this person",
    "reason.worn_fingerprints": "Worn fingerprints",
    "reason.injured_or_missing_fingers": "Injured or missing fingers",
    "reason.elderly_or_frail": "Elderly or frail",
    "reason.sensor_fault": "Sensor fault",
    "reason.identity_not_confirmed": "Identity not confirmed",
    "reason.impostor_suspected": "Suspected impostor",
    "reason.documents_missing": "Documents missing",
    "reason.needs_data_correction": "Data needs correcting",
    "reason.needs_review": "Needs review",
    "prompt.nik_empty": "The NIK is empty.",
    "prompt.nik_not_digits": "The NIK has digits only. Check the NIK on your ID card.",
    "prompt.nik_length": "The NIK has 16 digits. Check the NIK on your ID card.",
    "prompt.nik_province": "The first two digits of the NIK are not a province. Check your "
                           "ID card.",
    "prompt.nik_birth_date": "The birth date in the NIK is not valid. Check your ID card.",
    "prompt.place_finger": "Place your {finger} on the sensor glass.",
    "prompt.identify": "Place any finger you enrolled on the sensor glass.",
    "prompt.no_match_retry": "Not matched yet. Lift your finger, then place your {finger} "
                             "again.",
    "prompt.next_finger": "Let us try another finger: place your {finger}.",
    "prompt.face": "Let us try your face: look at the camera and follow the screen.",
    "prompt.face_retry": "Your face did not match yet. Look at the camera again.",
    "prompt.face_liveness_retry":
        "We did not see the movement yet. Once more: follow the screen, slowly.",
    "prompt.officer_needed": "An officer will help you. Please wait a moment.",
    "prompt.officer_place_finger": "Officer: place your finger to sign in.",
    "prompt.officer_not_recognised": "Officer's fingerprint not recognised. Try again.",
    "prompt.officer_self": "Officers may not approve their own record. Call another officer.",
    "prompt.officer_authenticated": "Officer {officer} signed in.",
    "prompt.identify_failed": "Fingerprint not recognised. Please type your NIK.",
    "prompt.identify_unavailable": "Please type your NIK.",
    "guidance.ok": "Place your {finger} on the sensor glass.",
    "guidance.no_finger": "No finger seen. Place your {finger} on the sensor glass.",
    "guidance.press_harder": "Press your finger a little harder.",
    "guidance.press_lighter": "Press your finger more gently.",
    "guidance.centre_finger": "Put your finger in the middle of the glass.",
    "guidance.clean_or_dry": "Wipe your finger clean and dry, then try again.",
    "guidance.moisten": "Your finger is too dry. Breathe on it, then try again.",
    "guidance.hold_still": "Hold your finger still.",
    "result.matched": "Verified. Your {programme} assistance for {period} is recorded.",
    "result.officer_approved": "Approved by an officer. Your {programme} assistance for "
                               "{period} is recorded.",
    "result.officer_denied": "The officer could not confirm who you are. Please come to the "
                             "village office with your KTP and KK.",
    "result.officer_referred": "The officer asks you to come to the village office with your "
                               "KTP and KK for a check.",
    "result.officer_referred_documents": "Fetch your KTP and come back here. Your "
                                         "{programme} assistance for {period} can still be "
                                         "collected.",
    "result.officer_unavailable": "No officer can help on this kiosk yet. Please contact the "
                                  "village office.",
    "result.officer_auth_failed": "The officer could not sign in. Please contact the village "
                                  "office.",
    "result.cancelled_by_person": "Cancelled. You can try again at any time.",
    "result.cancelled_by_officer": "Cancelled by the officer.",
    "result.nik_invalid": "The NIK is not right yet. Please ask an officer for help.",
    "result.storage_error": "Sorry, the kiosk could not save the decision. Your assistance is "
                            "NOT recorded yet. Please contact an officer.",
    "result.eligible": "You are registered for {programme} in {period}.",
    "result.not_in_roster": "Your NIK is not on this village's list of recipients. The village "
                            "officer can check your data or propose you.",
    "result.not_in_programme": "You are not registered for {programme}. The village officer "
                               "can check your data.",
    "result.not_eligible_period": "You are not registered for {programme} in {period}. The "
                                  "village officer can check your data.",
    "result.already_claimed": "The {programme} assistance for {period} has already been "
                              "collected. If you did not receive it, please contact the "
                              "village officer.",
    "result.deceased": "The records list this recipient as deceased. If this is wrong, please "
                       "see the village officer to correct it.",
    "result.moved": "The records say you have moved away. The village officer can help move "
                    "or correct your data.",
    "result.civil_servant": "The records list a family member as a civil servant, soldier or "
                            "police officer, so you are not a recipient. If this is wrong, "
                            "object through the village officer.",
    "result.above_income_threshold": "The records list your family's income above this "
                                     "programme's limit. If things changed, object through "
                                     "the village officer.",
    "result.land_owner": "The records list your family's land above this programme's limit. "
                         "If this is wrong, object through the village officer.",
    "result.duplicate_identity": "This NIK appears twice in the records. The village officer "
                                 "can check your data.",
    "result.suspended": "Your assistance is paused while your data is checked. Please contact "
                        "the village officer.",
    "result.generic": "You cannot receive {programme} for {period} yet (code {code}). The "
                      "village officer can explain and check your data.",
}
