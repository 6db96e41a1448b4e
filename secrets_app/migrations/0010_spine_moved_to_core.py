from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('secrets_app', '0009_version_author_without_constraint'),
    ]

    # The audit log, job runs and settings moved to the `core` app. Their tables keep their
    # names, so this only changes Django's bookkeeping: nothing happens in the database.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='AuditChain',
                ),
                migrations.DeleteModel(
                    name='AuditChainHead',
                ),
                migrations.DeleteModel(
                    name='AuditEvent',
                ),
                migrations.DeleteModel(
                    name='JobRun',
                ),
                migrations.RemoveField(
                    model_name='systemsetting',
                    name='updated_by',
                ),
                migrations.DeleteModel(
                    name='SystemSetting',
                ),
            ],
            database_operations=[],
        ),
    ]
