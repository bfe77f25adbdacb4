"""UUIDv7: layout, time, monotonicity when the clock stalls or steps back."""

import uuid

from kiosk.security.uuid7 import UUID7Generator, uuid7, uuid7_time_ms


def test_layout_and_time():
    gen = UUID7Generator(now_ms=lambda: 1_700_000_000_123)
    u = gen()
    assert u.version == 7 and u.variant == uuid.RFC_4122
    assert uuid7_time_ms(u) == 1_700_000_000_123
    assert uuid7_time_ms(str(u)) == 1_700_000_000_123


def test_monotonic_with_stalled_and_backward_clock():
    times = iter([5000] * 5000 + [4000] * 10 + [6000])
    gen = UUID7Generator(now_ms=lambda: next(times))
    ids = [gen() for _ in range(5011)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert uuid7_time_ms(ids[-1]) == 6000


def test_default_generator_is_increasing():
    ids = [uuid7() for _ in range(1000)]
    assert ids == sorted(ids)
