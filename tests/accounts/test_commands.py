"""manage.py import_accounts / export_accounts."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Account
from core.models import AuditEvent
from tests.accounts.factories import AccountFactory

pytestmark = pytest.mark.django_db

CSV = """platform,login,password,phone,additional,tags,status
vk,ivan,pw-ivan-1,+79990001122,"{""token"": ""t1""}",a;b,active
telegram,olga,pw-olga-2,,,,
myspace,bad,pw,,,,
vk,ivan,pw-dup,,,,
mail,nopass,,,,,
"""


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_csv_import_reports_each_bad_row_and_encrypts(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(CSV)
    out, err = run("import_accounts", str(path))
    assert "2 account(s) imported, 3 row(s) failed" in out
    assert "row 3:" in err and "row 4:" in err and "already exists" in err
    assert "row 5: missing password" in err
    ivan = Account.objects.get(login="ivan")
    assert ivan.password == "pw-ivan-1" and ivan.additional_data == {"token": "t1"}
    assert ivan.tags == ["a", "b"] and ivan.status == "active"
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM accounts_account WHERE login='ivan'")
        assert "pw-ivan-1" not in cursor.fetchone()[0]


def test_atomic_import_is_all_or_nothing(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text(CSV)
    with pytest.raises(CommandError, match="nothing was imported"):
        run("import_accounts", str(path), "--atomic")
    assert not Account.objects.exists()
    good = tmp_path / "good.json"
    good.write_text(
        json.dumps([{"platform": "max", "login": "m1", "password": "p", "tags": ["x"]}])
    )
    out, _ = run("import_accounts", str(good), "--atomic")
    assert "1 account(s) imported" in out and Account.objects.get().tags == ["x"]


def test_export_hides_credentials_unless_asked_and_is_audited(tmp_path):
    AccountFactory(login="exp1", password="top-secret-pw", phone="+7111")
    out, _ = run("export_accounts")
    rows = json.loads(out)
    assert rows[0]["login"] == "exp1" and "password" not in rows[0]
    assert "top-secret-pw" not in out
    path = tmp_path / "full.csv"
    run("export_accounts", "--with-credentials", "--format", "csv", "--output", str(path))
    text = path.read_text()
    assert "top-secret-pw" in text and "+7111" in text
    events = AuditEvent.objects.filter(action="account.export").order_by("id")
    assert [e.data["with_credentials"] for e in events] == [False, True]
    assert "top-secret-pw" not in json.dumps(list(AuditEvent.objects.values("data")), default=str)


def test_export_round_trips_through_import(tmp_path):
    AccountFactory(login="rt", platform="telegram", password="rt-pw", additional_data={"a": "1"})
    path = tmp_path / "out.csv"
    run("export_accounts", "--with-credentials", "--format", "csv", "-o", str(path))
    Account.objects.all().delete()
    run("import_accounts", str(path))
    account = Account.objects.get(login="rt")
    assert account.password == "rt-pw" and account.additional_data == {"a": "1"}


def test_demo_seed_is_idempotent():
    from accounts.demo import seed

    out = io.StringIO()
    seed(out)
    seed(out)
    assert Account.objects.filter(tags__contains=["demo"]).count() == 5
    assert Account.objects.get(login="demo_vk_1").proxy_id is not None
    assert Account.objects.get(login="demo_max_1").status == "banned"
