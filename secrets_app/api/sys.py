"""The contract's system routes: typed settings and the security configuration; plus policies.

Operators and admins read; only admins change. The permission classes (core.authority) refuse
before any input is read, so a caller without the power learns nothing about what exists."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import Requires
from core.errors import NotFound
from core.security import security_config
from core.sysconfig import (
    security_update,
    setting_change,
    setting_describe,
    settings_admin_require,
    settings_describe,
)

from ..models import Policy
from ..services.policies import policy_save
from . import kv_serializers as s

ERRORS = {
    401: OpenApiResponse(description="Not authenticated"),
    403: OpenApiResponse(description="Only admins change settings"),
    404: OpenApiResponse(description="Unknown setting"),
    422: OpenApiResponse(description="Validation error: {detail: [{loc, msg, type}]}"),
}
TAGS = ["sys"]


class SettingListView(APIView):
    """Every registered setting with its typed value, default and description."""

    permission_classes = [Requires("settings.read")]

    @extend_schema(responses={200: s.SettingSerializer(many=True), **ERRORS}, tags=TAGS)
    def get(self, request):
        return Response(s.SettingSerializer(settings_describe(), many=True).data)


class SettingWriteView(APIView):
    """Create or change one setting (admins); validated against the registry; audited old → new.
    A new key must be `custom.<name>`: it becomes a typed custom setting."""

    permission_classes = [Requires("settings.write")]

    @extend_schema(
        request=s.SettingWriteSerializer, responses={200: s.SettingSerializer, **ERRORS}, tags=TAGS
    )
    def post(self, request):
        settings_admin_require(user=request.user)  # permission before reading the input
        data = s.SettingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        described = setting_change(
            key=v["key"],
            value=v["value"],
            type=v.get("type"),
            description=v.get("description"),
            user=request.user,
        )
        return Response(s.SettingSerializer(described).data)


class SettingDetailView(APIView):
    permission_classes = [Requires("settings.read")]

    @extend_schema(responses={200: s.SettingSerializer, **ERRORS}, tags=TAGS)
    def get(self, request, setting_key: str):
        return Response(s.SettingSerializer(setting_describe(setting_key)).data)


class SecurityView(APIView):
    """The security configuration: GET reads it, POST changes any subset (admins)."""

    permission_classes = [Requires("settings.read", "settings.write")]

    @extend_schema(responses={200: s.SecuritySerializer, **ERRORS}, tags=TAGS)
    def get(self, request):
        return Response(security_config().as_dict())

    @extend_schema(
        request=s.SecuritySerializer, responses={200: s.SecuritySerializer, **ERRORS}, tags=TAGS
    )
    def post(self, request):
        data = s.SecuritySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(security_update(changes=dict(data.validated_data), user=request.user))


def _policy(policy: Policy) -> dict:
    return {
        "name": policy.name,
        "description": policy.description,
        "rules": policy.rules,
        "roles": policy.roles,
    }


class PolicyListView(APIView):
    """Secret-path policies (admins): list, and create or replace one."""

    permission_classes = [Requires("policies.read", "policies.write")]

    @extend_schema(responses={200: s.PolicySerializer(many=True), **ERRORS}, tags=TAGS)
    def get(self, request):
        return Response([_policy(p) for p in Policy.objects.all()])

    @extend_schema(
        request=s.PolicySerializer, responses={201: s.PolicySerializer, **ERRORS}, tags=TAGS
    )
    def post(self, request):
        data = s.PolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        policy = policy_save(
            name=v["name"],
            rules=[dict(r) for r in v["rules"]],
            description=v.get("description", ""),
            roles=v.get("roles"),
            actor=request.user,
        )
        return Response(_policy(policy), status=status.HTTP_201_CREATED)


class PolicyDetailView(APIView):
    permission_classes = [Requires("policies.read", "policies.write")]

    @extend_schema(responses={200: s.PolicySerializer, **ERRORS}, tags=TAGS)
    def get(self, request, name: str):
        policy = Policy.objects.filter(name=name).first()
        if policy is None:
            raise NotFound("No such policy.")
        return Response(_policy(policy))

    @extend_schema(responses={204: None, **ERRORS}, tags=TAGS)
    def delete(self, request, name: str):
        from ..services.policies import policy_delete

        policy_delete(name=name, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
