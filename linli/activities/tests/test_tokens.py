"""The rotating QR token: valid in its minute and the next, then expired; forged, tampered,
another activity's, the other direction's, from the future: refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from linli.activities.tokens import TokenRejected, check_token, make_token, minute_of
from linli.core.quarters import CHINA

T0 = dt.datetime(2026, 3, 3, 19, 30, 0, tzinfo=CHINA)


def check(token, *, at, activity_id=7, direction="in"):
    check_token(token, activity_id=activity_id, direction=direction, now=at)


def test_valid_in_its_minute_and_the_next():
    token = make_token(7, "in", T0 + dt.timedelta(seconds=59))
    check(token, at=T0)
    check(token, at=T0 + dt.timedelta(seconds=59))
    check(token, at=T0 + dt.timedelta(seconds=60))
    check(token, at=T0 + dt.timedelta(seconds=119))


def test_expired_after_two_minutes():
    token = make_token(7, "in", T0)
    with pytest.raises(TokenRejected) as exc:
        check(token, at=T0 + dt.timedelta(seconds=120))
    assert exc.value.code == "token_expired"
    assert "过期" in str(exc.value)


def test_the_token_changes_every_minute():
    assert make_token(7, "in", T0) == make_token(7, "in", T0 + dt.timedelta(seconds=59))
    assert make_token(7, "in", T0) != make_token(7, "in", T0 + dt.timedelta(seconds=60))


def test_a_token_from_the_future_is_refused():
    token = make_token(7, "in", T0 + dt.timedelta(minutes=1))
    with pytest.raises(TokenRejected) as exc:
        check(token, at=T0)
    assert exc.value.code == "token_forged"


def test_forged_and_tampered_tokens():
    for bad in ["", "abc", "x:y:z", make_token(7, "in", T0)[:-2] + "xx"]:
        with pytest.raises(TokenRejected) as exc:
            check(bad, at=T0)
        assert exc.value.code == "token_forged"
    # Signed with the right key but another salt (another purpose) or by someone else's key.
    value = f"7.in.{minute_of(T0)}"
    other_salt = signing.Signer(salt="something.else").sign(value)
    with pytest.raises(TokenRejected):
        check(other_salt, at=T0)
    other_key = signing.Signer(key="not-our-secret", salt="linli.activities.qr-token.in").sign(
        value
    )
    with pytest.raises(TokenRejected):
        check(other_key, at=T0)
    # Our key and salt, a value that is not ours (a different shape): refused, not crashed.
    for odd in ("7.in", "x.in.1", "7.out.1", "7.in.1.2"):
        with pytest.raises(TokenRejected):
            check(signing.Signer(salt="linli.activities.qr-token.in").sign(odd), at=T0)


def test_the_token_is_short():
    assert len(make_token(123456, "out", T0)) < 70


def test_another_activitys_token():
    token = make_token(8, "in", T0)
    with pytest.raises(TokenRejected) as exc:
        check(token, at=T0, activity_id=7)
    assert exc.value.code == "token_other_activity"
    assert "另一场活动" in str(exc.value)


def test_a_sign_in_token_does_not_sign_out():
    token = make_token(7, "in", T0)
    with pytest.raises(TokenRejected):
        check(token, at=T0, direction="out")
    check(make_token(7, "out", T0), at=T0, direction="out")
