"""Run only by test_clock.py, with --as-of 2027-12-31T23:30: what a test sees of the session's
clock (not named test_*.py, so the ordinary collection leaves it out)."""

from django.utils import timezone


def test_the_session_clock_is_as_of_the_instant_given():
    now = timezone.localtime()
    assert now.date().isoformat() == "2027-12-31"
    assert (now.hour, now.minute) == (23, 30)
