"""Seal the stored values of secret registry settings (core/sealed.py) that were kept in clear.

Which settings are secret is the registry's knowledge at the time the migration runs (every
app is ready during `migrate`). Reversible: the reverse opens them again.
"""

from django.db import migrations


def seal_rows(apps, schema_editor):
    from core.sealed import is_sealed, seal, secret_setting_keys

    SystemSetting = apps.get_model("core", "SystemSetting")
    for row in SystemSetting.objects.filter(key__in=secret_setting_keys()):
        if not is_sealed(row.value):
            SystemSetting.objects.filter(key=row.key).update(value=seal(row.value))


def open_rows(apps, schema_editor):
    from core.sealed import is_sealed, unseal

    SystemSetting = apps.get_model("core", "SystemSetting")
    for row in SystemSetting.objects.all():
        if is_sealed(row.value):
            SystemSetting.objects.filter(key=row.key).update(value=unseal(row.value, key=row.key))


def forget_cached(apps, schema_editor):
    # Cached copies were written in clear: drop them so that they are read again, sealed.
    from core.registry import settings_forget
    from core.sealed import secret_setting_keys

    try:
        settings_forget(secret_setting_keys())
    except Exception:  # no cache reachable: its entries expire by themselves within 5 minutes
        pass


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_request_id"),
    ]

    operations = [
        migrations.RunPython(seal_rows, open_rows),
        migrations.RunPython(forget_cached, forget_cached),
    ]
