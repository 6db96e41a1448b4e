"""Lockout that holds, sign-ups throttled per address, usernames that cannot impersonate
(hole 6 of issue 11)."""

from __future__ import annotations

import random

import httpx
import pytest
from django.test import Client

from core.models import AuditEvent
from core.registry import setting_set
from secrets_app.models import User
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


def grant(username: str, password: str, ip: str = "127.0.0.1"):
    return Client().post(
        "/api/v1/token/create",
        {"grant_type": "password", "username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def checked_passwords(username: str) -> int:
    """Passwords actually checked: failures and successes (a refused attempt checks none)."""
    return AuditEvent.objects.filter(
        action__in=["login.failure", "login.success"], target=username
    ).count()


def _burst(live_server, parallel, username: str, passwords: list[str]) -> list[int]:
    def guess(i: int) -> int:
        with httpx.Client(timeout=60) as client:
            return client.post(
                f"{live_server.url}/api/v1/token/create",
                json={"grant_type": "password", "username": username, "password": passwords[i]},
            ).status_code

    return parallel(len(passwords), guess)


@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_guesses_check_at_most_the_threshold(live_server, parallel):
    victim = UserFactory()
    codes = _burst(live_server, parallel, victim.username, [f"wrong-{i}" for i in range(30)])
    assert checked_passwords(victim.username) == 5, codes  # security.lockout_threshold
    assert sorted(codes) == [401] * 5 + [429] * 25


@pytest.mark.django_db(transaction=True)
def test_the_right_password_after_the_threshold_is_refused_unchecked_in_a_burst(
    live_server, parallel
):
    """Once the pair has used its attempts, a burst holding the right password checks none of
    them: the right one is refused like the rest. (A success forgets the pair's failures, so a
    right password accepted *within* the threshold lets guesses already in flight be checked;
    whoever sent them holds the password by then.)"""
    victim = UserFactory()
    for i in range(5):
        assert grant(victim.username, f"wrong-{i}").status_code == 401
    guesses = [f"wrong-burst-{i}" for i in range(29)] + [PASSWORD]
    random.Random(11).shuffle(guesses)
    codes = _burst(live_server, parallel, victim.username, guesses)
    assert codes == [429] * 30
    assert checked_passwords(victim.username) == 5


@pytest.mark.django_db
def test_a_lockout_from_one_address_does_not_lock_the_user_out_elsewhere():
    victim = UserFactory()
    for _ in range(5):
        assert grant(victim.username, "wrong", ip="203.0.113.66").status_code == 401
    assert grant(victim.username, PASSWORD, ip="203.0.113.66").status_code == 429
    assert grant(victim.username, PASSWORD, ip="198.51.100.7").status_code == 200


@pytest.mark.django_db
def test_the_account_ceiling_holds_against_guesses_from_many_addresses():
    setting_set(key="security.lockout_account_threshold", value=8)
    victim = UserFactory()
    for n in range(4):  # 4 addresses x 2 guesses: 8 checked, the ceiling
        for _ in range(2):
            assert grant(victim.username, "wrong", ip=f"203.0.113.{n}").status_code == 401
    refused = grant(victim.username, PASSWORD, ip="198.51.100.7")
    assert refused.status_code == 429
    assert checked_passwords(victim.username) == 8
    # Refused attempts reserve nothing: they do not keep the account locked longer or harder.
    assert AuditEvent.objects.filter(action="login.locked_out", data__by="account").exists()


@pytest.mark.django_db
def test_successful_logins_do_not_fill_the_ceiling():
    setting_set(key="security.lockout_account_threshold", value=3)
    member = UserFactory()
    for _ in range(6):
        assert grant(member.username, PASSWORD).status_code == 200


# --- sign-up ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_up_is_throttled_per_address():
    setting_set(key="security.signup_limit", value=3)
    codes = [
        Client()
        .post(
            "/users",
            {"username": f"bulk{n}", "password": "long-pass-phrase-9"},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.5",
        )
        .status_code
        for n in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]
    assert User.objects.filter(username__startswith="bulk").count() == 3
    other = Client().post(
        "/users",
        {"username": "elsewhere", "password": "long-pass-phrase-9"},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.6",
    )
    assert other.status_code == 201


# --- usernames -------------------------------------------------------------------------------

LOOKALIKES = [
    "\u0410dmin",  # Cyrillic capital A, then Latin
    "admin\u200b",  # zero-width space
    "ad\u202emin",  # right-to-left override
    "\u2066admin\u2069",  # bidi isolates
    "adm\u00adin",  # soft hyphen (invisible)
    "p\u0430ypal",  # Latin with one Cyrillic a
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", LOOKALIKES)
def test_confusable_and_invisible_names_are_refused_everywhere(name, admin_user, auth_client):
    UserFactory(username="admin")
    signup = Client().post(
        "/users",
        {"username": name, "password": "long-pass-phrase-9"},
        content_type="application/json",
    )
    assert signup.status_code == 422, signup.content
    assert signup.json()["detail"][0]["loc"] == ["body", "username"]
    api = auth_client(admin_user).post(
        "/api/v1/users/create",
        {"username": name, "password": "long-pass-phrase-9"},
        format="json",
    )
    assert api.status_code == 422
    staff = Client()
    staff.force_login(admin_user)
    staff.post(
        "/admin/secrets_app/user/add/",
        {"username": name, "password1": "long-pass-phrase-9", "password2": "long-pass-phrase-9"},
    )
    assert list(User.objects.values_list("username", flat=True).order_by("username")) == sorted(
        ["admin", admin_user.username]
    )


@pytest.mark.django_db
def test_a_whole_script_lookalike_of_an_existing_name_is_refused():
    UserFactory(username="ace")
    response = Client().post(
        "/users",
        {"username": "\u0430\u0441\u0435", "password": "long-pass-phrase-9"},  # Cyrillic асе
        content_type="application/json",
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_names_are_nfkc_normalised_and_honest_scripts_are_welcome():
    wide = Client().post(
        "/users",
        {"username": "\uff41nalyst", "password": "long-pass-phrase-9"},  # fullwidth a
        content_type="application/json",
    )
    assert wide.status_code == 201 and wide.json()["username"] == "analyst"
    cyrillic = Client().post(
        "/users",
        {"username": "\u0412\u0430\u0441\u044f", "password": "long-pass-phrase-9"},  # Вася
        content_type="application/json",
    )
    assert cyrillic.status_code == 201
    # Logging in with the fullwidth spelling reaches the same account.
    assert grant("\uff41nalyst", "long-pass-phrase-9").status_code == 200


@pytest.mark.django_db
def test_allauths_username_check_applies_the_same_rule():
    """GitHub logins create users through allauth, which validates with the model field's
    validators (secrets_app.usernames.validate_username)."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ValidationError

    adapter = get_adapter()
    assert adapter.clean_username("octo-cat") == "octo-cat"
    for name in LOOKALIKES:
        with pytest.raises(ValidationError):
            adapter.clean_username(name)
