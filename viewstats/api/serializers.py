from rest_framework import serializers

from core.api.pagination import MAX_PAGE

from ..models import Platform, Status


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField()


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class LoginResponseSerializer(serializers.Serializer):
    type = serializers.CharField(default="Bearer")
    token = serializers.CharField()


class SubmitSerializer(serializers.Serializer):
    links = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), allow_empty=False
    )
    recollect_interval = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Re-collect these posts every N seconds (a history of views).",
    )


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    link = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    views = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TaskDetailSerializer(TaskSerializer):
    attempts = serializers.IntegerField()
    posted_at = serializers.DateTimeField(allow_null=True)
    collected_at = serializers.DateTimeField(allow_null=True)
    recollect_interval = serializers.IntegerField(allow_null=True)
    next_collect_at = serializers.DateTimeField(allow_null=True)


class ReadingSerializer(serializers.Serializer):
    views = serializers.IntegerField()
    collected_at = serializers.DateTimeField()
    change = serializers.IntegerField(allow_null=True, help_text="Since the previous reading.")


class HistorySerializer(serializers.Serializer):
    task = TaskDetailSerializer()
    readings = ReadingSerializer(many=True)
    change = serializers.IntegerField(
        allow_null=True, help_text="Change of the latest reading since the one before."
    )


class RetryResponseSerializer(serializers.Serializer):
    queued = serializers.IntegerField()


class TaskListQuerySerializer(serializers.Serializer):
    """The list's optional paging (its filters are viewstats.filters.ViewTaskFilter)."""

    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)
