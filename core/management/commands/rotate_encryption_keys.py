"""Re-encrypt every encrypted column of every model with the primary key of ENCRYPTION_KEYS.

Works in batches by primary key, each batch in its own transaction, so it can be interrupted
and run again: rows already under the primary key are skipped. A value that no key of the
keyring decrypts is reported and the command exits non-zero; it is never rewritten. Secret
registry settings are re-sealed too (core/sealed.py).

It refuses to start while a running process (core/keyring.py heartbeats) encrypts with another
primary key: that process would go on writing values under the old key during and after the
rotation (and, if it does not know the new key, fail to read what was rotated). `--force`
runs anyway, saying so.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from redis.exceptions import RedisError

from core import crypto
from core.keyring import (
    SETTINGS_LABEL,
    encrypted_columns,
    local_fingerprints,
    processes_live,
    rotation_blockers,
)
from core.sealed import secret_settings_reseal


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the current primary key (ENCRYPTION_KEYS[0])."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be rotated without writing."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Rotate even while running processes encrypt with another primary key.",
        )

    def handle(self, *args, batch_size: int, dry_run: bool, force: bool, **options):
        self._guard(refuse=not (dry_run or force))
        failures = 0
        total_rotated = 0
        for model, field in encrypted_columns():
            rotated, current, failed = self._rotate(model, field, batch_size, dry_run)
            failures += failed
            total_rotated += rotated
            self.stdout.write(
                f"{model._meta.label}.{field.name}: rotated={rotated} current={current} "
                f"failed={failed}"
            )
        sealed = secret_settings_reseal(dry_run=dry_run)
        for key in sealed.failed:
            self.stderr.write(f"cannot decrypt the setting {key}")
        failures += len(sealed.failed)
        total_rotated += sealed.rotated + sealed.sealed
        self.stdout.write(
            f"{SETTINGS_LABEL}: rotated={sealed.rotated} current={sealed.current} "
            f"sealed={sealed.sealed} failed={len(sealed.failed)}"
        )
        verb = "would rotate" if dry_run else "rotated"
        self.stdout.write(f"total: {verb} {total_rotated} value(s), {failures} failure(s)")
        if failures:
            raise CommandError(
                f"{failures} value(s) could not be decrypted with any key in ENCRYPTION_KEYS; "
                "add the missing old key and run again."
            )

    def _guard(self, *, refuse: bool) -> None:
        primary = local_fingerprints()[0]
        try:
            processes = processes_live()
        except RedisError as exc:
            message = (
                f"Redis is unreachable ({type(exc).__name__}): the running processes' keys "
                "cannot be checked."
            )
            if refuse:
                raise CommandError(message + " --force rotates anyway.") from None
            self.stderr.write("WARNING: " + message)
            return
        if processes is None:
            self.stderr.write(
                "No Redis: running processes cannot be seen. Make sure every one runs with "
                f"ENCRYPTION_KEYS starting with this primary key ({primary})."
            )
            return
        blockers = rotation_blockers(processes)
        if not blockers:
            self.stdout.write(
                f"{len(processes)} running process(es) report a heartbeat, all encrypting with "
                f"the primary key {primary}."
            )
            return
        message = (
            f"{len(blockers)} running process(es) do not encrypt with this primary key "
            f"({primary}): "
            + "; ".join(p.describe() for p in blockers)
            + ". They would go on writing values under another key during and after the "
            "rotation (and could not read what it rewrites if they lack this key). Deploy "
            "ENCRYPTION_KEYS=<new>,<old> everywhere first (README, Operations: key rotation); a "
            "stopped process is forgotten after three missed heartbeats."
        )
        if refuse:
            raise CommandError(message + " --force rotates anyway.")
        self.stderr.write("WARNING: " + message)

    def _rotate(self, model, field, batch_size, dry_run):
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        column = connection.ops.quote_name(field.column)
        last = None
        rotated = current = failed = 0
        while True:
            with transaction.atomic():
                where = f"WHERE {column} IS NOT NULL" + (
                    f" AND {pk} > %s" if last is not None else ""
                )
                params: list[Any] = [last] if last is not None else []
                lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {pk}, {column} FROM {table} {where} ORDER BY {pk} "  # noqa: S608
                        f"LIMIT {int(batch_size)}{lock}",
                        params,
                    )
                    rows = cursor.fetchall()
                if not rows:
                    return rotated, current, failed
                updates = []
                for row_pk, value in rows:
                    if crypto.is_current(value):
                        current += 1
                        continue
                    try:
                        updates.append((crypto.rotate(value), row_pk))
                    except crypto.DecryptionError:
                        failed += 1
                        self.stderr.write(
                            f"cannot decrypt {model._meta.label}.{field.name} pk={row_pk}"
                        )
                if updates and not dry_run:
                    with connection.cursor() as cursor:
                        cursor.executemany(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                            updates,
                        )
                rotated += len(updates)
                last = rows[-1][0]
