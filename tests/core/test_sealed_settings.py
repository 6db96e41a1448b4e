"""Secret registry settings (tokens) are sealed with the encryption keyring at rest: in the
settings table and in Redis; clear rows of older versions are sealed by the migration and by
the key rotation, which also re-seals them under a new key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from core.models import AuditEvent, SystemSetting
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


def test_a_setting_sealed_under_a_dropped_key_is_named_and_can_be_set_again(
    settings, admin_user, auth_client, client
):
    """The settings list (API and admin page) names the setting no key opens instead of a 500,
    and an admin can store a new value over it (the fix), audited with the old one unreadable."""
    settings.ENCRYPTION_KEYS = [OLD]
    setting_set(key="proxyshop.api_token", value=SHOP)
    settings.ENCRYPTION_KEYS = [NEW]  # OLD dropped before the rotation re-sealed the setting
    settings_forget()
    api = auth_client(admin_user)
    listed = api.get("/api/v1/sys/settings")
    assert listed.status_code == 200
    items = {item["key"]: item for item in listed.json()}
    broken = items["proxyshop.api_token"]
    assert broken["value"] is None
    assert "proxyshop.api_token" in broken["problem"] and "ENCRYPTION_KEYS" in broken["problem"]
    assert items["proxyshop.timeout"]["problem"] is None
    one = api.get("/api/v1/sys/setting/proxyshop.api_token")
    assert one.status_code == 200 and one.json()["problem"] == broken["problem"]
    client.force_login(admin_user)
    page = client.get("/admin/core/systemsetting/")
    assert page.status_code == 200
    assert "proxyshop.api_token cannot be read" in page.content.decode()
    assert SHOP not in page.content.decode()
    changed = api.post(
        "/api/v1/sys/setting", {"key": "proxyshop.api_token", "value": "fresh"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["problem"] is None
    settings_forget()
    assert setting_get("proxyshop.api_token") == "fresh"
    event = AuditEvent.objects.filter(action="setting.change").latest("id")
    assert event.data == {"old": "(unreadable)", "new": "********"}
