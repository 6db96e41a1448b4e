import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('secrets_app', '0010_spine_moved_to_core'),
    ]

    # The tables exist already (created by secrets_app's migrations, names kept): this
    # migration only tells Django that these models now belong to `core`.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditChainHead',
                    fields=[
                        ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                        ('prev_hash', models.CharField(blank=True, max_length=64)),
                        ('hash', models.CharField(max_length=64)),
                    ],
                    options={
                        'verbose_name': 'audit chain head',
                        'db_table': 'secrets_app_auditchainhead',
                    },
                ),
                migrations.CreateModel(
                    name='JobRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(db_index=True, max_length=200)),
                        ('started_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('status', models.CharField(choices=[('running', 'Running'), ('success', 'Success'), ('failed', 'Failed'), ('skipped', 'Skipped')], default='running', max_length=16)),
                        ('result', models.JSONField(blank=True, default=dict)),
                        ('error', models.TextField(blank=True)),
                    ],
                    options={
                        'db_table': 'secrets_app_jobrun',
                        'ordering': ['-started_at'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('actor_id', models.BigIntegerField(blank=True, null=True)),
                        ('actor', models.CharField(blank=True, max_length=150)),
                        ('accessor', models.CharField(blank=True, max_length=40)),
                        ('ip', models.CharField(blank=True, max_length=64)),
                        ('action', models.CharField(max_length=80)),
                        ('target_type', models.CharField(blank=True, max_length=80)),
                        ('target', models.CharField(blank=True, max_length=500)),
                        ('outcome', models.CharField(choices=[('success', 'Success'), ('denied', 'Denied'), ('error', 'Error')], default='success', max_length=16)),
                        ('data', models.JSONField(blank=True, default=dict)),
                        ('prev_hash', models.CharField(blank=True, max_length=64)),
                        ('hash', models.CharField(blank=True, max_length=64)),
                    ],
                    options={
                        'db_table': 'secrets_app_auditevent',
                        'ordering': ['-id'],
                        'indexes': [models.Index(fields=['target_type', 'target'], name='secrets_app_target__33488e_idx'), models.Index(fields=['accessor'], name='audit_accessor_idx'), models.Index(fields=['action'], name='audit_action_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='AuditChain',
                    fields=[
                    ],
                    options={
                        'verbose_name': 'audit chain status',
                        'verbose_name_plural': 'audit chain status',
                        'proxy': True,
                        'indexes': [],
                        'constraints': [],
                    },
                    bases=('core.auditevent',),
                ),
                migrations.CreateModel(
                    name='SystemSetting',
                    fields=[
                        ('key', models.CharField(max_length=100, primary_key=True, serialize=False)),
                        ('value', models.JSONField()),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'secrets_app_systemsetting',
                        'ordering': ['key'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
