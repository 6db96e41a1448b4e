from __future__ import annotations

from rest_framework import serializers

from accounts.warming.definitions import DEFINITION_SCHEMA, MAX_DAYS
from core.api.fields import documented

from ..models import ActionType, Scenario, WarmingStatus, WarmingTask


class WarmingTaskSerializer(serializers.ModelSerializer):
    """The contract's WarmingTask."""

    account_id = serializers.IntegerField(read_only=True)
    scenario_id = serializers.CharField(read_only=True)
    platform = serializers.CharField(source="account.platform", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="WarmingStatus: " + ", ".join(WarmingStatus.values)
    )

    class Meta:
        model = WarmingTask
        fields = [
            "id",
            "account_id",
            "platform",
            "scenario_id",
            "status",
            "progress",
            "current_day",
            "total_days",
            "actions_completed",
            "actions_failed",
            "next_action_at",
            "started_at",
            "completed_at",
            "error",
            "created_at",
        ]
        read_only_fields = fields


class StartWarmingSerializer(serializers.Serializer):
    account_id = serializers.IntegerField(min_value=1)
    scenario_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Defaults to the built-in `basic`.",
    )
    duration_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DAYS,
        help_text="Overrides the scenario's total days.",
    )


class StopWarmingSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ScenarioSerializer(serializers.ModelSerializer):
    id = serializers.SlugField(max_length=64)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    definition = documented(
        serializers.JSONField(
            help_text="total_days, active_hours {start, end}, max_actions_per_day, bands "
            "[{from_day, to_day, actions_per_day {min, max}, action_types {type: weight},"
            " caps {type: n}}]; action types: " + ", ".join(ActionType.values)
        ),
        DEFINITION_SCHEMA,
    )

    class Meta:
        model = Scenario
        fields = ["id", "name", "description", "definition", "builtin", "created_at", "updated_at"]
        read_only_fields = ["builtin", "created_at", "updated_at"]


class _Group(serializers.Serializer):
    tasks = serializers.IntegerField()
    running = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()
    actions_completed = serializers.IntegerField()
    actions_failed = serializers.IntegerField()
    success_rate = serializers.FloatField()


class PlatformGroupSerializer(_Group):
    platform = serializers.CharField()


class ScenarioGroupSerializer(_Group):
    scenario_id = serializers.CharField()


class ActionTypeStatSerializer(serializers.Serializer):
    action_type = serializers.CharField()
    total = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    success_rate = serializers.FloatField()


class TasksByStatusSerializer(serializers.Serializer):
    pending = serializers.IntegerField()
    running = serializers.IntegerField()
    paused = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):
    """The contract's WarmingStatistics."""

    total_tasks = serializers.IntegerField()
    tasks_by_status = TasksByStatusSerializer()
    actions_by_type = ActionTypeStatSerializer(many=True)
    by_platform = PlatformGroupSerializer(many=True)
    by_scenario = ScenarioGroupSerializer(many=True)
