"""Repair secrets whose kept versions run outside oldest_version..current_version.

Imports of bundles exported without a consistent snapshot could store such secrets: their newest
value was hidden and every write collided with an existing version number. Each one gets its
newest kept version as current and its oldest kept version as oldest, as `secrets_import
--repair` does. Secrets that keep the invariant are not touched; nothing to undo.
"""

from django.db import migrations

VERSIONS = "SELECT {agg}(v.version) FROM secrets_app_secretversion v WHERE v.secret_id = s.id"


def repair(apps, schema_editor):
    newest, oldest = VERSIONS.format(agg="MAX"), VERSIONS.format(agg="MIN")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE secrets_app_secret AS s SET current_version = ({newest}) "
            f"WHERE ({newest}) > s.current_version"
        )
        ahead = cursor.rowcount
        cursor.execute(
            f"UPDATE secrets_app_secret AS s SET oldest_version = ({oldest}) "
            f"WHERE ({oldest}) < s.oldest_version"
        )
        behind = cursor.rowcount
    if ahead or behind:
        print(
            f"\n  repaired {ahead} secret(s) with versions past current_version and {behind} "
            "with versions below oldest_version"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("secrets_app", "0011_username_rules"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
