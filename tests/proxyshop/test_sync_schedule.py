"""The shop contract's EXTERNAL_SOCKS_SYNC_INTERVAL_MINUTES applies at the next start of beat,
and the sync logs the INFO/ERROR lines the contract's troubleshooting greps for (issue 16,
item 9)."""

import logging

import pytest
from celery.signals import beat_init
from django_celery_beat.models import PeriodicTask

from core.errors import Unavailable
from proxyshop.selectors import SYNC_TASK_NAME
from proxyshop.services import proxies_sync

pytestmark = pytest.mark.django_db


def test_changed_interval_applies_when_beat_starts(settings, caplog):
    assert PeriodicTask.objects.get(name=SYNC_TASK_NAME).interval.every == 5
    settings.EXTERNAL_SOCKS_SYNC_INTERVAL_MINUTES = 7
    with caplog.at_level(logging.INFO, logger="proxyshop.scheduler"):
        beat_init.send(sender=None)  # what `celery beat` sends once it has started
    task = PeriodicTask.objects.get(name=SYNC_TASK_NAME)
    assert (task.interval.every, task.interval.period) == (7, "minutes")
    assert task.expire_seconds == 7 * 60 - 30
    assert any(
        "scheduler: external proxy sync every 7 minute(s) (was 5)" in r.getMessage()
        for r in caplog.records
    )
    # unchanged at the next start: the row stays, the line says so
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="proxyshop.scheduler"):
        beat_init.send(sender=None)
    assert PeriodicTask.objects.get(name=SYNC_TASK_NAME).interval.every == 7
    assert [r.getMessage() for r in caplog.records if r.name == "proxyshop.scheduler"] == [
        "scheduler: external proxy sync every 7 minute(s)"
    ]


def test_sync_logs_info_on_success_and_error_on_failure(provider, caplog):
    provider.add_proxies(3)
    with caplog.at_level(logging.INFO, logger="proxyshop.sync"):
        proxies_sync(trigger="test")
    ok = [r for r in caplog.records if r.name == "proxyshop.sync"]
    assert [r.levelname for r in ok] == ["INFO"]
    assert "external proxy sync ok" in ok[0].getMessage() and "added 3" in ok[0].getMessage()
    caplog.clear()
    provider.fail("list", status=500, times=10)
    with caplog.at_level(logging.INFO, logger="proxyshop.sync"), pytest.raises(Unavailable):
        proxies_sync(trigger="test")
    failed = [r for r in caplog.records if r.name == "proxyshop.sync"]
    assert [r.levelname for r in failed] == ["ERROR"]
    assert "external proxy sync failed" in failed[0].getMessage()
    assert provider.token not in failed[0].getMessage()
