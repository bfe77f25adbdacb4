"""Enrolment and verification as pure state machines: events in, actions out.

No I/O happens here: loading roster data, capturing fingers and committing
decisions are actions the caller performs (kiosk/runtime/session.py does it
for the CLI and the future UI), feeding the results back as events.
"""
