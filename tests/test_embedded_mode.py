"""`make run` without a database server: the embedded mode (SQLite, file cache) runs the secrets
store's hot paths, whose PostgreSQL statements have SQLite fallbacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from secrets_app.models import User
from core.registry import setting_get, setting_set
from secrets_app.services import kv
from core.audit_verify import audit_verify
from secrets_app.services.tokens import token_authenticate, token_issue

user = User.objects.create_user(username="embedded", password="x" * 16, role="admin")
kv.secret_metadata_update(path="e/one", max_versions=2, user=user, context=None)
versions = [kv.secret_write(path="e/one", value=f"v{i}", user=user, context=None).version
            for i in range(3)]
secret, current = kv.secret_read(path_or_id="e/one", user=user, context=None)
kept = sorted(secret.versions.values_list("version", flat=True))
setting_set(key="secrets.default_max_versions", value=7, actor=user)
raw = token_issue(user=user, ttl=60).access_token
print("versions", versions, "current", current.version, current.value, "kept", kept)
print("setting", setting_get("secrets.default_max_versions"))
print("token", token_authenticate(raw, ip="127.0.0.1", spend=True)[1].accessor != "")
print("chain", audit_verify().ok)
"""


def test_embedded_mode_writes_reads_and_audits(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "RUN_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "db.sqlite3").exists()
    lines = result.stdout.splitlines()
    assert "versions [1, 2, 3] current 3 v2 kept [2, 3]" in lines
    assert "setting 7" in lines and "token True" in lines and "chain True" in lines
