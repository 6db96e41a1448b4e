"""SMS activations (the contract's SMSService): rent a number, wait for its code, cancel, balance.

The code reaches us through the worker: `sms_poll_task` asks the provider until the code
arrives, the activation fails or it expires, then records the outcome and signals waiters
through a Redis list (`sms:code:<id>`). GetCode blocks on that list (BLPOP, in short slices
below the client's socket timeout) rather than polling; without Redis (embedded mode) it
re-reads the row every half second.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.db import connections_release
from core.errors import Conflict, InvalidArgument, NotFound
from core.redis import get_redis
from core.registry import setting_get, settings_get_many

from ..models import SMS_FINAL_STATUSES, Account, Platform, SmsActivation, SmsStatus
from ..sms import get_provider

_SIGNAL_TTL = 3600
_SLICE_SECONDS = 5


def _signal_key(activation_id: uuid.UUID | str) -> str:
    return f"sms:code:{activation_id}"


def _signal(activation_id: uuid.UUID | str) -> None:
    client = get_redis()
    if client is None:
        return
    key = _signal_key(activation_id)
    pipe = client.pipeline()
    pipe.lpush(key, "1")
    pipe.expire(key, _SIGNAL_TTL)
    pipe.execute()


def sms_number_get(
    *,
    service: str,
    country: str = "ru",
    operator: str = "",
    account_id: int | None = None,
    actor: Any = None,
) -> SmsActivation:
    """GetNumber: rent a number from the configured provider and start waiting for its code.

    Raises InvalidArgument (service/country/account), ResourceExhausted (provider out of
    numbers or balance).
    """
    from ..tasks import sms_poll_task

    if service not in Platform.values:
        raise InvalidArgument(f"Unknown service {service!r}.", field="service", code="enum")
    if account_id is not None and not Account.objects.filter(pk=account_id).exists():
        raise InvalidArgument("No such account.", field="account_id")
    provider = get_provider()
    granted = provider.get_number(service=service, country=country or "ru", operator=operator)
    ttl, poll = settings_get_many(
        ["accounts.sms_activation_ttl", "accounts.sms_poll_interval"]
    ).values()
    try:
        with transaction.atomic():
            activation = SmsActivation.objects.create(
                provider=provider.name,
                provider_activation_id=granted.provider_activation_id,
                phone=granted.phone,
                service=service,
                country=(country or "ru").lower(),
                operator=operator,
                status=SmsStatus.WAITING_CODE,
                price=granted.price,
                account_id=account_id,
                created_by=actor if getattr(actor, "pk", None) else None,
                expires_at=timezone.now() + timedelta(seconds=ttl),
            )
            audit_record(
                action="sms.number_get",
                target_type="sms_activation",
                target=str(activation.pk),
                actor=actor,
                data={"service": service, "country": activation.country, "provider": provider.name},
            )
            # robust: a broker hiccup must not fail a recorded, paid activation; the sweep job
            # and GetCode itself poll activations whose poll chain never started.
            transaction.on_commit(
                lambda: sms_poll_task.apply_async((str(activation.pk),), countdown=float(poll)),
                robust=True,
            )
    except Exception:
        # The number is paid for at the provider: give it back when we could not record it.
        provider.cancel(provider_activation_id=granted.provider_activation_id, refund=True)
        raise
    return activation


def _finish(activation: SmsActivation, *, status: str, code: str = "", error: str = "") -> None:
    activation.status = status
    activation.code = code or activation.code
    activation.error = error[:255]
    if status == SmsStatus.CODE_RECEIVED:
        activation.code_received_at = timezone.now()
    activation.save()
    pk = activation.pk
    transaction.on_commit(lambda: _signal(pk))


def sms_poll(*, activation_id: uuid.UUID | str) -> bool:
    """Ask the provider once; record a code, a failure or expiry. True when polling may stop."""
    with transaction.atomic():
        activation = SmsActivation.objects.select_for_update().filter(pk=activation_id).first()
        if activation is None or activation.status != SmsStatus.WAITING_CODE:
            return True
        provider = get_provider(activation.provider)
        # Asked under the row lock so two pollers never record one outcome twice; providers'
        # poll_code must not block (the sandbox answers from its own state).
        outcome = provider.poll_code(provider_activation_id=activation.provider_activation_id)
        if outcome.state == "received":
            _finish(activation, status=SmsStatus.CODE_RECEIVED, code=outcome.code)
        elif outcome.state == "failed":
            _finish(activation, status=SmsStatus.FAILED, error=outcome.error)
        elif activation.expires_at <= timezone.now():
            provider.cancel(provider_activation_id=activation.provider_activation_id, refund=True)
            _finish(activation, status=SmsStatus.FAILED, error="expired before a code arrived")
        else:
            return False
        audit_record(
            action="sms.code_outcome",
            target_type="sms_activation",
            target=str(activation.pk),
            accessor="sms",
            data={"status": activation.status, "error": activation.error},
        )
        return True


def sms_activations_sweep(*, idle_seconds: int = 30) -> dict[str, Any]:
    """Poll every waiting activation not touched for `idle_seconds` (a lost poll chain) and
    fail those past expiry. Returns counts."""
    cutoff = timezone.now() - timedelta(seconds=idle_seconds)
    ids = list(
        SmsActivation.objects.filter(
            status=SmsStatus.WAITING_CODE, updated_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    settled = sum(1 for pk in ids if sms_poll(activation_id=pk))
    return {"polled": len(ids), "settled": settled}


def _get(activation_id: uuid.UUID | str) -> SmsActivation:
    activation = SmsActivation.objects.filter(pk=activation_id).first()
    if activation is None:
        raise NotFound("SMS activation not found.")
    return activation


def _answer(activation: SmsActivation) -> dict[str, Any] | None:
    """The GetCode answer if the activation is settled, else None."""
    if activation.status in (SmsStatus.CODE_RECEIVED, SmsStatus.COMPLETED):
        with transaction.atomic():
            locked = SmsActivation.objects.select_for_update().get(pk=activation.pk)
            if locked.status == SmsStatus.CODE_RECEIVED:
                # The client has the code: the activation has done its job.
                locked.status = SmsStatus.COMPLETED
                locked.save(update_fields=["status", "updated_at"])
                audit_record(
                    action="sms.code_read",
                    target_type="sms_activation",
                    target=str(locked.pk),
                )
        return {"code": activation.code, "success": True, "error": "", "status": "completed"}
    if activation.status in SMS_FINAL_STATUSES:
        return {
            "code": "",
            "success": False,
            "error": activation.error or activation.status,
            "status": activation.status,
        }
    return None


def sms_code_wait(*, activation_id: uuid.UUID | str, timeout_seconds: int = 120) -> dict[str, Any]:
    """GetCode: the code, or `success: false` with the reason (failed, cancelled, timeout).

    Waits at most min(timeout_seconds, accounts.sms_code_max_wait) seconds without spinning.
    """
    timeout = max(0, min(int(timeout_seconds), setting_get("accounts.sms_code_max_wait")))
    deadline = time.monotonic() + timeout
    client = get_redis(blocking=True)
    while True:
        activation = _get(activation_id)
        if activation.status == SmsStatus.WAITING_CODE and activation.expires_at <= timezone.now():
            sms_poll(activation_id=activation.pk)
            activation = _get(activation_id)
        answer = _answer(activation)
        if answer is not None:
            return answer
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return {
                "code": "",
                "success": False,
                "error": "timeout: no code yet",
                "status": activation.status,
            }
        # Blocking below holds no database connection (a long GetCode would pin one).
        connections_release()
        if client is not None:
            wait = max(1, min(_SLICE_SECONDS, int(remaining + 0.999)))
            popped = client.blpop([_signal_key(activation.pk)], timeout=wait)
            if popped:
                # Leave the signal for any other waiter on the same activation.
                _signal(activation.pk)
            else:
                # A whole slice without news: ask the provider ourselves, in case the worker's
                # poll chain was lost (a non-blocking call).
                sms_poll(activation_id=activation.pk)
        else:
            time.sleep(min(0.5, remaining))
            if int(time.monotonic() * 2) % 4 == 0:  # about every 2 s without a worker
                sms_poll(activation_id=activation.pk)


def sms_activation_cancel(*, activation_id: uuid.UUID | str, actor: Any = None) -> SmsActivation:
    """CancelActivation: give the number back (refunded). Conflict once a code arrived or the
    activation is already over; waiting GetCode calls return at once."""
    with transaction.atomic():
        activation = SmsActivation.objects.select_for_update().filter(pk=activation_id).first()
        if activation is None:
            raise NotFound("SMS activation not found.")
        if activation.status not in (SmsStatus.PENDING, SmsStatus.WAITING_CODE):
            raise Conflict(f"The activation is {activation.status}; it cannot be cancelled.")
        get_provider(activation.provider).cancel(
            provider_activation_id=activation.provider_activation_id, refund=True
        )
        _finish(activation, status=SmsStatus.CANCELLED, error="cancelled")
        audit_record(
            action="sms.cancel",
            target_type="sms_activation",
            target=str(activation.pk),
            actor=actor,
        )
    return activation


def sms_balance() -> dict[str, Any]:
    """GetBalance of the configured provider."""
    provider = get_provider()
    return {"provider": provider.name, "balance": provider.balance()}
