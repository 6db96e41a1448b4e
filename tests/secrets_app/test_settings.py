"""Settings: typed environment parsers, production hardening, the settings registry."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config.settings import env as envmod
from core.models import AuditEvent
from core.registry import setting_get, setting_reset, setting_set

ROOT = Path(__file__).resolve().parents[2]


def test_env_parsers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "42")
    monkeypatch.setenv("X_DEC", "2.50")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert envmod.env_bool("X_BOOL") is True
    assert envmod.env_bool("X_MISSING", True) is True
    assert envmod.env_int("X_INT", 1) == 42
    assert envmod.env_decimal("X_DEC", "0") == Decimal("2.50")
    assert envmod.env_list("X_LIST") == ["a", "b", "c"]


def _production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "p" * 30 + "-production-secret-key-0123456789",
            "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "AUDIT_KEYS": "a" * 20 + "-production-audit-key-0123456789",
            "ALLOWED_HOSTS": "platform.example.test",
            **extra,
        }
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_demo_keys():
    env = _production_env()
    del env["ENCRYPTION_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ENCRYPTION_KEYS" in result.stderr


@pytest.mark.parametrize(
    "audit_keys",
    [None, "demo-audit-key-not-for-production-use-0123456789", "short-key", ""],
    ids=["unset", "demo", "short", "empty"],
)
def test_production_refuses_to_start_without_its_own_audit_key(audit_keys):
    env = _production_env()
    if audit_keys is None:
        del env["AUDIT_KEYS"]
    else:
        env["AUDIT_KEYS"] = audit_keys
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "AUDIT_KEYS" in result.stderr


@pytest.mark.django_db
def test_registry_types_validation_and_audit(admin_user):
    from core.errors import InvalidArgument

    assert setting_get("security.token_default_ttl") == 3600
    setting_set(key="security.token_default_ttl", value="1h30m", actor=admin_user)
    assert setting_get("security.token_default_ttl") == 5400
    with pytest.raises(InvalidArgument):
        setting_set(key="security.lockout_threshold", value="many")
    with pytest.raises(InvalidArgument):
        setting_set(key="security.allowed_cidrs", value=["10.0.0.0/8", "nope"])
    event = AuditEvent.objects.filter(action="setting.change").latest("id")
    assert event.data == {"old": 3600, "new": 5400}
    assert setting_reset(key="security.token_default_ttl") == 3600


@pytest.mark.django_db
def test_settings_are_remembered_per_process_for_a_short_while(admin_user, settings):
    """A change made here is seen here at once; a change another process made (its
    write-through to the shared cache) is seen here within SETTINGS_LOCAL_TTL."""
    import json
    import time

    from django.core.cache import cache

    from core.models import SystemSetting

    settings.SETTINGS_LOCAL_TTL = 0.3
    key = "secrets.default_max_versions"
    assert setting_get(key) == 10
    setting_set(key=key, value=20, actor=admin_user)
    assert setting_get(key) == 20  # this process: at once

    # Another process changes it: row and shared cache, not this process's memory.
    SystemSetting.objects.filter(key=key).update(value=30)
    cache.set(f"setting:v1:{key}", json.dumps(30))
    assert setting_get(key) == 20
    time.sleep(0.35)
    assert setting_get(key) == 30

    settings.SETTINGS_LOCAL_TTL = 0  # off: every read asks the shared cache
    cache.set(f"setting:v1:{key}", json.dumps(40))
    assert setting_get(key) == 40


@pytest.mark.django_db
def test_forgetting_every_setting_reaches_the_shared_cache_too():
    from core.models import SystemSetting
    from core.registry import settings_forget

    key = "secrets.default_max_versions"
    assert setting_get(key) == 10  # now cached here and in the shared cache
    SystemSetting.objects.create(key=key, value=7)
    settings_forget()
    assert setting_get(key) == 7
