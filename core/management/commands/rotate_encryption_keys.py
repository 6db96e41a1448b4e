"""Re-encrypt every encrypted column of every model with the primary key of ENCRYPTION_KEYS.

Works in batches by primary key, each batch in its own transaction, so it can be interrupted
and run again: rows already under the primary key are skipped. A value that no key of the
keyring decrypts is reported and the command exits non-zero; it is never rewritten.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core import crypto
from core.fields import EncryptedTextField


def encrypted_columns():
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column with the current primary key (ENCRYPTION_KEYS[0])."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be rotated without writing."
        )

    def handle(self, *args, batch_size: int, dry_run: bool, **options):
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
        verb = "would rotate" if dry_run else "rotated"
        self.stdout.write(f"total: {verb} {total_rotated} value(s), {failures} failure(s)")
        if failures:
            raise CommandError(
                f"{failures} value(s) could not be decrypted with any key in ENCRYPTION_KEYS; "
                "add the missing old key and run again."
            )

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
