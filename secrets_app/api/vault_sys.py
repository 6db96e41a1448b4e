"""The few /v1/sys/ routes Vault tooling calls before anything else.

- `sys/health` and `sys/seal-status` (no token): load balancers, hvac's `is_sealed`, the CLI;
  "sealed" here means the database cannot be reached (nothing can be served then).
- `sys/internal/ui/mounts/<path>`: the `vault`/`bao` CLI asks it which KV version a mount
  speaks before any `kv get/put`; ours is one KV v2 mount at `secret/`.
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from . import vault_serializers as s
from .vault import VaultAPIView, VaultError

SYS_TAGS = ["vault: sys"]
VERSION = "1.0.0"
CLUSTER_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "platform-secrets"))
KV_MOUNT = {
    "accessor": "kv_platform",
    "config": {"default_lease_ttl": 0, "force_no_cache": False, "max_lease_ttl": 0},
    "deprecation_status": "supported",
    "description": "key/value secret storage",
    "external_entropy_access": False,
    "local": False,
    "options": {"version": "2"},
    "path": "secret/",
    "plugin_version": "",
    "running_plugin_version": "",
    "running_sha256": "",
    "seal_wrap": False,
    "type": "kv",
    "uuid": CLUSTER_ID,
}


def _database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


class VaultHealthSerializer(serializers.Serializer):
    initialized = serializers.BooleanField()
    sealed = serializers.BooleanField()
    standby = serializers.BooleanField()
    server_time_utc = serializers.IntegerField()
    version = serializers.CharField()
    cluster_name = serializers.CharField()
    cluster_id = serializers.CharField()


class VaultSealStatusSerializer(serializers.Serializer):
    type = serializers.CharField()
    initialized = serializers.BooleanField()
    sealed = serializers.BooleanField()
    t = serializers.IntegerField()
    n = serializers.IntegerField()
    progress = serializers.IntegerField()
    version = serializers.CharField()
    storage_type = serializers.CharField()


class _Unauthenticated(VaultAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def common(self) -> dict:
        return {
            "version": VERSION,
            "cluster_name": getattr(settings, "VAULT_CLUSTER_NAME", "platform"),
            "cluster_id": CLUSTER_ID,
        }


class HealthView(_Unauthenticated):
    """GET /v1/sys/health: 200 when serving, 503 ("sealed") when the database is down."""

    @extend_schema(
        responses={200: VaultHealthSerializer, 503: VaultHealthSerializer},
        tags=SYS_TAGS,
        operation_id="vault_sys_health",
    )
    def get(self, request):
        up = _database_up()
        body = {
            "initialized": True,
            "sealed": not up,
            "standby": False,
            "replication_performance_mode": "disabled",
            "replication_dr_mode": "disabled",
            "server_time_utc": int(time.time()),
            **self.common(),
        }
        return Response(body, status=200 if up else 503)


class SealStatusView(_Unauthenticated):
    """GET /v1/sys/seal-status."""

    @extend_schema(
        responses={200: VaultSealStatusSerializer},
        tags=SYS_TAGS,
        operation_id="vault_sys_seal_status",
    )
    def get(self, request):
        return Response(
            {
                "type": "shamir",
                "initialized": True,
                "sealed": not _database_up(),
                "t": 1,
                "n": 1,
                "progress": 0,
                "nonce": "",
                "recovery_seal": False,
                "migration": False,
                "storage_type": "postgresql"
                if connection.vendor == "postgresql"
                else connection.vendor,
                **self.common(),
            }
        )


class MountInfoView(VaultAPIView):
    """GET /v1/sys/internal/ui/mounts/<path>: which engine serves a path (the CLI's preflight)."""

    @extend_schema(
        parameters=[OpenApiParameter("path", str, OpenApiParameter.PATH)],
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=SYS_TAGS,
        operation_id="vault_sys_mount_info",
    )
    def get(self, request, path: str):
        if path.strip("/").split("/")[0] != "secret":
            raise VaultError(
                403,
                [
                    "preflight capability check returned 403, please ensure client's policies "
                    f'grant access to path "{path.strip("/")}/"'
                ],
            )
        return self.ok(data=KV_MOUNT)
