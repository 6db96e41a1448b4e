from django.db import migrations

OLD, NEW = "accounts.health_beat_max_age", "health.beat_max_age"


def rename(apps, schema_editor, old=OLD, new=NEW):
    SystemSetting = apps.get_model("core", "SystemSetting")
    row = SystemSetting.objects.filter(key=old).first()
    if row is not None and not SystemSetting.objects.filter(key=new).exists():
        SystemSetting.objects.create(
            key=new, value=row.value, updated_at=row.updated_at, updated_by=row.updated_by
        )
    SystemSetting.objects.filter(key=old).delete()


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    """The health check's beat threshold is the platform's setting, not the fleet's."""

    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(rename, rename_back)]
