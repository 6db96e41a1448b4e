"""Secret registry settings (tokens) are sealed with the encryption keyring at rest: in the
settings table and in Redis; clear rows of older versions are sealed by the migration and by
the key rotation, which also re-seals them under a new key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from core.models import SystemSetting
from core.redis import get_redis
from core.registry import setting_get, setting_set, settings_forget

pytestmark = pytest.mark.django_db

VK = ["vk-token-sealed-7a1b2c", "vk-token-sealed-8d9e0f"]
SHOP = "shop-token-sealed-3c4d5e"
OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def raw_row(key: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT value::text FROM secrets_app_systemsetting WHERE key = %s", [key])
        return cursor.fetchone()[0]


def redis_text() -> bytes:
    client = get_redis()
    return b"".join(
        client.dump(key) or b"" for key in client.scan_iter(count=1000)
    )  # every value of the test's Redis database, whatever its type


def test_secret_settings_are_ciphertext_in_the_table_and_in_redis(admin_user):
    setting_set(key="viewstats.vk_tokens", value=VK, actor=admin_user)
    setting_set(key="proxyshop.api_token", value=SHOP, actor=admin_user)
    settings_forget()  # as another process: through Redis, then the table
    assert setting_get("proxyshop.api_token") == SHOP
    assert setting_get("viewstats.vk_tokens") == VK
    for secret in (*VK, SHOP):
        assert secret not in raw_row("viewstats.vk_tokens")
        assert secret not in raw_row("proxyshop.api_token")
        assert secret.encode() not in redis_text()
    assert '"$fernet"' in raw_row("proxyshop.api_token")
    # a setting that is not secret stays readable as it is
    setting_set(key="proxyshop.timeout", value="12", actor=admin_user)
    assert raw_row("proxyshop.timeout") == '"12"'


def test_the_migration_seals_clear_rows_and_reverses(settings):
    SystemSetting.objects.create(key="proxyshop.api_token", value=SHOP)
    SystemSetting.objects.create(key="proxyshop.timeout", value="9")
    assert setting_get("proxyshop.api_token") == SHOP  # a clear row still reads
    call_command("migrate", "core", "0003", verbosity=0)
    call_command("migrate", "core", verbosity=0)
    assert SHOP not in raw_row("proxyshop.api_token")
    assert raw_row("proxyshop.timeout") == '"9"'
    settings_forget()
    assert setting_get("proxyshop.api_token") == SHOP
    call_command("migrate", "core", "0003", verbosity=0)
    assert raw_row("proxyshop.api_token") == f'"{SHOP}"'
    call_command("migrate", "core", verbosity=0)


def test_rotation_reseals_secret_settings_and_drops_their_cached_copies(settings, capsys):
    settings.ENCRYPTION_KEYS = [OLD]
    setting_set(key="proxyshop.api_token", value=SHOP)
    SystemSetting.objects.create(key="viewstats.vk_tokens", value=VK)  # clear, as of old
    assert setting_get("proxyshop.api_token") == SHOP  # cached, sealed with OLD
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_encryption_keys")
    out = capsys.readouterr().out
    assert "registry secret settings: rotated=1 current=0 sealed=1 failed=0" in out
    settings.ENCRYPTION_KEYS = [NEW]  # the old key is gone: the settings still read
    assert setting_get("proxyshop.api_token") == SHOP
    assert setting_get("viewstats.vk_tokens") == VK
    assert VK[0] not in raw_row("viewstats.vk_tokens")
