"""The encrypted field and key rotation over real rows."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Account
from core.crypto import DecryptionError

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def make_account(login: str, password: str) -> Account:
    return Account.objects.create(
        platform="vk",
        login=login,
        password=password,
        phone="+70000000000",
        additional_data={"pin": "4321"},
    )


def test_values_are_ciphertext_in_the_database(settings):
    settings.ENCRYPTION_KEYS = [OLD]
    account = make_account("a1", "hunter2-secret")
    stored = raw_column("accounts_account", "password", account.pk)
    assert "hunter2" not in stored
    assert Fernet(OLD.encode()).decrypt(stored.encode()) == b"hunter2-secret"
    assert "4321" not in raw_column("accounts_account", "additional_data", account.pk)
    fresh = Account.objects.get(pk=account.pk)
    assert fresh.password == "hunter2-secret"
    assert fresh.additional_data == {"pin": "4321"}


def test_rotation_re_encrypts_with_the_new_key_and_is_rerunnable(settings, capsys):
    settings.ENCRYPTION_KEYS = [OLD]
    accounts = [make_account(f"r{n}", f"secret-{n}") for n in range(7)]
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_encryption_keys", "--batch-size", "3")
    out = capsys.readouterr().out
    assert "accounts.Account.password: rotated=7 current=0 failed=0" in out
    settings.ENCRYPTION_KEYS = [NEW]  # the old key is gone: everything must still read
    for account in accounts:
        assert Account.objects.get(pk=account.pk).password == account.password
    call_command("rotate_encryption_keys")
    assert "accounts.Account.password: rotated=0 current=7 failed=0" in capsys.readouterr().out


def test_a_value_no_key_decrypts_raises_and_is_reported(settings):
    settings.ENCRYPTION_KEYS = [OLD]
    account = make_account("lost", "irrecoverable")
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(DecryptionError) as excinfo:
        Account.objects.get(pk=account.pk)
    assert "irrecoverable" not in str(excinfo.value)
    assert "gAAAA" not in str(excinfo.value)  # never the ciphertext either
    with pytest.raises(CommandError):
        call_command("rotate_encryption_keys")


def test_the_default_keyring_works_out_of_the_box():
    from core import crypto

    assert crypto.decrypt(crypto.encrypt("round trip")) == "round trip"
