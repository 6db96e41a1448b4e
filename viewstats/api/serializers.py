from rest_framework import serializers

from core.api.fields import documented
from core.api.pagination import MAX_PAGE
from core.durations import MAX_DURATION
from core.registry import definition
from secrets_app.usernames import USERNAME_SCHEMA, password_schema

from ..links import LINK_PATTERNS, MAX_LINK_LENGTH
from ..models import Platform, Status


class UserCreateSerializer(serializers.Serializer):
    username = documented(serializers.CharField(max_length=150), USERNAME_SCHEMA)
    password = documented(
        serializers.CharField(max_length=256, trim_whitespace=False),
        {**password_schema(), "maxLength": 256},
    )


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


def submit_serializer(platform: str) -> type[serializers.Serializer]:
    """The body of POST /get-views/<platform>: the schema states the link form, the registry's
    default limits (`viewstats.max_links_per_request`, `viewstats.min_recollect_interval`)."""
    max_links = definition("viewstats.max_links_per_request").default_value()
    least = definition("viewstats.min_recollect_interval").default_value()
    link = {"type": "string", "maxLength": MAX_LINK_LENGTH, "pattern": LINK_PATTERNS[platform]}

    class Submit(serializers.Serializer):
        links = documented(
            serializers.ListField(
                child=serializers.CharField(allow_blank=True, trim_whitespace=False),
                allow_empty=False,
            ),
            {"type": "array", "items": link, "minItems": 1, "maxItems": max_links},
        )
        recollect_interval = documented(
            serializers.IntegerField(
                required=False,
                allow_null=True,
                min_value=1,
                help_text="Re-collect these posts every N seconds (a history of views).",
            ),
            {"type": "integer", "minimum": least, "maximum": MAX_DURATION, "nullable": True},
        )

    Submit.__name__ = Submit.__qualname__ = f"Submit{platform.title()}Serializer"
    return Submit


SubmitVKSerializer = submit_serializer("vk")
SubmitTelegramSerializer = submit_serializer("telegram")


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
