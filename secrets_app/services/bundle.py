"""Encrypted backup bundles of the secrets store, for backup and migration between installations.

A bundle is JSON: the KDF parameters (scrypt, random salt) and a Fernet token of the payload
(every secret with its metadata and kept versions, and the policies). Without the passphrase it
reveals nothing but its size; a wrong passphrase or an altered bundle fails authentication.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.audit import audit_record
from core.errors import InvalidArgument

from ..models import Policy, Secret, SecretVersion

FORMAT = "platform-secrets-bundle"
SCRYPT = {"n": 2**15, "r": 8, "p": 1}


def _key(passphrase: str, salt: bytes, params: dict) -> bytes:
    if len(passphrase) < 8:
        raise InvalidArgument("the passphrase needs at least 8 characters.", field="passphrase")
    kdf = Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"])
    return base64.urlsafe_b64encode(kdf.derive(passphrase.encode()))


def _dt(value: Any) -> datetime | None:
    return parse_datetime(value) if value else None


def secrets_export(*, passphrase: str, prefix: str = "", actor: Any = "secrets_export") -> bytes:
    """The encrypted bundle of every live secret under `prefix` and every policy. Audited."""
    secrets = []
    qs = Secret.objects.filter(path__startswith=prefix).prefetch_related("versions")
    for secret in qs.order_by("path"):
        if secret.is_expired:
            continue
        secrets.append(
            {
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
                "versions": [
                    {
                        "version": v.version,
                        "value": v.value,
                        "created_at": v.created_at,
                        "deletion_time": v.deletion_time,
                        "destroyed": v.destroyed,
                    }
                    for v in sorted(secret.versions.all(), key=lambda v: v.version)
                ],
            }
        )
    policies = [
        {"name": p.name, "description": p.description, "rules": p.rules, "roles": p.roles}
        for p in Policy.objects.all()
    ]
    payload = json.dumps(
        {"exported_at": timezone.now(), "secrets": secrets, "policies": policies},
        cls=DjangoJSONEncoder,
    ).encode()
    salt = os.urandom(16)
    token = Fernet(_key(passphrase, salt, SCRYPT)).encrypt(payload)
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
            "version": 1,
            "kdf": {"name": "scrypt", **SCRYPT, "salt": base64.b64encode(salt).decode()},
            "ciphertext": token.decode(),
        }
    ).encode()


def secrets_import(
    *, bundle: bytes, passphrase: str, overwrite: bool = False, actor: Any = "secrets_import"
) -> dict:
    """Restore a bundle: secrets keep their paths, version numbers and metadata. An existing path
    is skipped unless `overwrite` (then replaced). Policies are created or replaced.
    InvalidArgument for a damaged bundle or a wrong passphrase."""
    try:
        outer = json.loads(bundle)
        assert outer.get("format") == FORMAT
        kdf = outer["kdf"]
        salt = base64.b64decode(kdf["salt"])
        key = _key(passphrase, salt, {"n": kdf["n"], "r": kdf["r"], "p": kdf["p"]})
        data = json.loads(Fernet(key).decrypt(outer["ciphertext"].encode()))
    except InvalidArgument:
        raise
    except InvalidToken:
        raise InvalidArgument(
            "wrong passphrase, or the bundle was altered.", field="passphrase"
        ) from None
    except (ValueError, KeyError, TypeError, AssertionError):
        raise InvalidArgument("this is not a secrets bundle.", field="bundle") from None
    created = skipped = replaced = 0
    with transaction.atomic():
        for item in data["secrets"]:
            existing = Secret.objects.select_for_update().filter(path=item["path"]).first()
            if existing is not None and not overwrite:
                skipped += 1
                continue
            if existing is not None:
                existing.delete()
                replaced += 1
            else:
                created += 1
            secret = Secret.objects.create(
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
            )
            SecretVersion.objects.bulk_create(
                [
                    SecretVersion(
                        secret=secret,
                        version=v["version"],
                        value=v["value"],
                        created_at=_dt(v["created_at"]),
                        deletion_time=_dt(v["deletion_time"]),
                        destroyed=v["destroyed"],
                    )
                    for v in item["versions"]
                ]
            )
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
        result = {
            "created": created,
            "replaced": replaced,
            "skipped": skipped,
            "policies": len(data.get("policies", [])),
        }
        audit_record(action="secrets.import", target_type="secret", actor=actor, data=result)
    return result
