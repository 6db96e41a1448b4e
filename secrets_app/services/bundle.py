"""Encrypted backup bundles of the secrets store, for backup and migration between installations.

A bundle is JSON: the KDF parameters (scrypt, random salt) and a Fernet token of the payload
(every secret with its id, metadata, authorship and kept versions, and the policies). Without
the passphrase it reveals nothing but its size; a wrong passphrase or an altered bundle fails
authentication.

Consistency: the export reads everything in one snapshot (PostgreSQL: one REPEATABLE READ,
read-only transaction), so writes running meanwhile are either wholly in it or wholly absent.
The import checks each secret's invariants (services/bundle_checks.py) before writing anything,
and is one transaction: it lands whole or not at all. Every import is audited, refused ones too.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Prefetch, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import crypto
from core.audit import audit_record
from core.errors import InvalidArgument
from core.models import AuditEvent

from ..models import Policy, Secret, SecretVersion
from .bundle_checks import bundle_fields_check, bundle_refuse_or_repair, names_listed

FORMAT = "platform-secrets-bundle"
# 2: secret ids, authorship (usernames) and timestamps to the microsecond. 1 is still read.
BUNDLE_VERSION = 2
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
CHUNK = 1000  # rows per statement of the import


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Datetimes to the microsecond (Django's encoder cuts them to milliseconds)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


def _key(passphrase: str, salt: bytes, params: dict[str, Any]) -> bytes:
    if len(passphrase) < 8:
        raise InvalidArgument("the passphrase needs at least 8 characters.", field="passphrase")
    kdf = Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"])
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode()))


def _dt(value: Any) -> datetime | None:
    return parse_datetime(value) if value else None


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the database for everything read inside. Within a transaction
    the caller opened, that transaction's isolation applies (it cannot change any more)."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not nested:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _secret_items(prefix: str) -> list[dict[str, Any]]:
    versions = SecretVersion.objects.select_related("created_by").order_by("version")
    qs = (
        Secret.objects.filter(path__startswith=prefix)
        .select_related("created_by")
        .prefetch_related(Prefetch("versions", queryset=versions))
        .order_by("path")
    )
    return [
        {
            "id": str(secret.id),
            "path": secret.path,
            "metadata": secret.metadata,
            "current_version": secret.current_version,
            "oldest_version": secret.oldest_version,
            "max_versions": secret.max_versions,
            "cas_required": secret.cas_required,
            "delete_version_after": secret.delete_version_after,
            "expires_at": secret.expires_at,
            "created_at": secret.created_at,
            "updated_at": secret.updated_at,
            "created_by": _username(secret.created_by),
            "versions": [
                {
                    "version": v.version,
                    "value": v.value,
                    "created_at": v.created_at,
                    "created_by": _username(v.created_by),
                    "deletion_time": v.deletion_time,
                    "destroyed": v.destroyed,
                }
                for v in secret.versions.all()
            ],
        }
        for secret in qs
        if not secret.is_expired
    ]


def secrets_export(*, passphrase: str, prefix: str = "", actor: Any = "secrets_export") -> bytes:
    """The encrypted bundle of every live secret under `prefix` and every policy, read in one
    snapshot (consistent while writes go on). Audited."""
    salt = os.urandom(16)
    fernet = Fernet(_key(passphrase, salt, SCRYPT))  # a short passphrase fails before reading
    try:
        with _snapshot():
            secrets = _secret_items(prefix)
            policies = [
                {"name": p.name, "description": p.description, "rules": p.rules, "roles": p.roles}
                for p in Policy.objects.all()
            ]
    except crypto.DecryptionError:
        _refuse_unreadable(prefix, actor)
        raise
    payload = json.dumps(
        {"exported_at": timezone.now(), "secrets": secrets, "policies": policies},
        cls=_ExactJSONEncoder,
    ).encode()
    token = fernet.encrypt(payload)
    audit_record(
        action="secrets.export",
        target_type="secret",
        target=prefix,
        actor=actor,
        data={"secrets": len(secrets), "policies": len(policies)},
    )
    return json.dumps(
        {
            "format": FORMAT,
            "version": BUNDLE_VERSION,
            "kdf": {"name": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode()},
            "ciphertext": token.decode(),
        }
    ).encode()


def _refuse_unreadable(prefix: str, actor: Any) -> None:
    """A value no key of ENCRYPTION_KEYS opens: refuse the export naming every such secret
    version (a backup without them would silently lose them), audited."""
    raw = Cast("value", output_field=TextField())  # the stored ciphertext, not decrypted
    rows = (
        SecretVersion.objects.filter(secret__path__startswith=prefix, value__isnull=False)
        .annotate(raw=raw)
        .order_by("secret__path", "version")
        .values_list("secret__path", "version", "raw")
    )
    lost = [
        f"{path} v{version}" for path, version, text in rows if crypto.key_position(text) is None
    ]
    if not lost:
        return
    reason = (
        f"{len(lost)} secret version(s) cannot be decrypted with ENCRYPTION_KEYS (written with a "
        f"key no longer in the keyring): {names_listed(lost)}. Nothing was exported. Put the "
        "missing key back in ENCRYPTION_KEYS (after the current ones), or destroy those versions."
    )
    audit_record(
        action="secrets.export",
        target_type="secret",
        target=prefix,
        actor=actor,
        outcome=AuditEvent.Outcome.ERROR,
        data={"reason": reason[:300], "unreadable": len(lost)},
    )
    raise InvalidArgument(reason, field="ENCRYPTION_KEYS")


# What a hand-made bundle may leave out (timestamps: the moment of the import).
_SECRET_DEFAULTS = {
    "metadata": {},
    "max_versions": 0,
    "cas_required": False,
    "delete_version_after": 0,
    "expires_at": None,
    "created_by": None,
}
_VERSION_DEFAULTS = {"deletion_time": None, "destroyed": False, "created_by": None}


def _complete(item: dict[str, Any]) -> None:
    """Check one secret of a decrypted bundle and fill in what it may leave out; raises
    AssertionError, KeyError or TypeError for anything else."""
    assert isinstance(item["path"], str) and isinstance(item["versions"], list)
    assert isinstance(item["current_version"], int)
    assert isinstance(item["oldest_version"], int)
    now = timezone.now().isoformat()
    for name, default in {**_SECRET_DEFAULTS, "created_at": now, "updated_at": now}.items():
        item.setdefault(name, default)
    for version in item["versions"]:
        assert "version" in version and "value" in version
        for name, default in {**_VERSION_DEFAULTS, "created_at": now}.items():
            version.setdefault(name, default)


def _decrypt_bundle(bundle: bytes, passphrase: str) -> dict[str, Any]:
    try:
        outer = json.loads(bundle)
        assert outer.get("format") == FORMAT
        kdf = outer["kdf"]
        salt = base64.b64decode(kdf["salt"])
        key = _key(passphrase, salt, {"n": kdf["n"], "r": kdf["r"], "p": kdf["p"]})
        data: dict[str, Any] = json.loads(Fernet(key).decrypt(outer["ciphertext"].encode()))
        assert isinstance(data.get("secrets"), list)
        for item in data["secrets"]:
            _complete(item)
        for policy in data.setdefault("policies", []):
            assert isinstance(policy["name"], str) and isinstance(policy["rules"], list)
            policy.setdefault("description", "")
            policy.setdefault("roles", [])
    except InvalidArgument:
        raise
    except InvalidToken:
        raise InvalidArgument(
            "wrong passphrase, or the bundle was altered.", field="passphrase"
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError, AssertionError):
        raise InvalidArgument("this is not a secrets bundle.", field="bundle") from None
    return data


def secrets_import(
    *,
    bundle: bytes,
    passphrase: str,
    overwrite: bool = False,
    repair: bool = False,
    actor: Any = "secrets_import",
) -> dict[str, Any]:
    """Restore a bundle: secrets keep their ids, paths, version numbers, metadata, timestamps
    (to the microsecond) and authors (matched by username; an author unknown here is left
    empty and named in the result). An existing path is skipped unless `overwrite` (then
    replaced); a bundle id already taken by another path gets a new id (named in `remapped`).
    Policies are created or replaced. All or nothing, audited whether it succeeds or not.

    Raises InvalidArgument for a damaged bundle, a wrong passphrase, or secrets that break the
    invariants (bundle_checks; `repair` fixes those that can be and names them in `repaired`).
    """
    try:
        data = _decrypt_bundle(bundle, passphrase)
        bundle_fields_check(data["secrets"], data["policies"])
        repaired = bundle_refuse_or_repair(data["secrets"], repair=repair)
        with transaction.atomic():
            result = _restore(data, overwrite=overwrite)
            result["repaired"] = repaired
            audit_record(action="secrets.import", target_type="secret", actor=actor, data=result)
    except Exception as exc:
        reason = exc.message if isinstance(exc, InvalidArgument) else type(exc).__name__
        audit_record(
            action="secrets.import",
            target_type="secret",
            actor=actor,
            outcome=AuditEvent.Outcome.ERROR,
            data={"reason": reason},
        )
        raise
    return result


def _restore(data: dict[str, Any], *, overwrite: bool) -> dict[str, Any]:
    items = data["secrets"]
    ids = {item["id"] for item in items if item.get("id")}
    owner_of = {
        str(pk): path for pk, path in Secret.objects.filter(id__in=ids).values_list("id", "path")
    }
    names = {item.get("created_by") for item in items}
    names |= {v.get("created_by") for item in items for v in item["versions"]}
    names.discard(None)
    User = get_user_model()
    users = {
        u.get_username(): u for u in User.objects.filter(**{f"{User.USERNAME_FIELD}__in": names})
    }
    existing: dict[str, uuid.UUID] = {}
    paths = [item["path"] for item in items]
    for chunk in range(0, len(paths), CHUNK):
        rows = Secret.objects.select_for_update().filter(path__in=paths[chunk : chunk + CHUNK])
        existing.update(rows.values_list("path", "id"))
    if overwrite:
        replaced_ids = list(existing.values())
        for chunk in range(0, len(replaced_ids), CHUNK):
            Secret.objects.filter(id__in=replaced_ids[chunk : chunk + CHUNK]).delete()
    remapped: list[str] = []
    secrets, versions = [], []
    for item in items:
        if item["path"] in existing and not overwrite:
            continue
        secret_id = item.get("id")
        if secret_id and owner_of.get(secret_id, item["path"]) != item["path"]:
            remapped.append(item["path"])
            secret_id = None
        # The export writes every timestamp; a missing one fails the insert (NOT NULL).
        secret = Secret(  # type: ignore[misc]
            id=uuid.UUID(secret_id) if secret_id else uuid.uuid4(),
            path=item["path"],
            metadata=item["metadata"],
            current_version=item["current_version"],
            oldest_version=item["oldest_version"],
            max_versions=item["max_versions"],
            cas_required=item["cas_required"],
            delete_version_after=item["delete_version_after"],
            expires_at=_dt(item["expires_at"]),
            created_at=_dt(item["created_at"]),
            updated_at=_dt(item["updated_at"]),
            created_by=users.get(item.get("created_by")),
        )
        secrets.append(secret)
        versions += [
            SecretVersion(  # type: ignore[misc]  # as above: created_at is always written
                secret=secret,
                version=v["version"],
                value=v["value"],
                created_at=_dt(v["created_at"]),
                created_by=users.get(v.get("created_by")),
                deletion_time=_dt(v["deletion_time"]),
                destroyed=v["destroyed"],
            )
            for v in item["versions"]
        ]
    Secret.objects.bulk_create(secrets, batch_size=CHUNK)
    SecretVersion.objects.bulk_create(versions, batch_size=CHUNK)
    replaced = len(existing) if overwrite else 0
    for policy in data.get("policies", []):
        Policy.objects.update_or_create(
            name=policy["name"],
            defaults={
                "description": policy["description"],
                "rules": policy["rules"],
                "roles": policy["roles"],
                "updated_at": timezone.now(),
            },
        )
    return {
        "created": len(secrets) - replaced,
        "replaced": replaced,
        "skipped": 0 if overwrite else len(existing),
        "policies": len(data.get("policies", [])),
        "remapped": remapped,
        "authors_missing": sorted(names - set(users)),
    }
