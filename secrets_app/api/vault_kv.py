"""Vault's KV v2 routes under /v1/secret/: data, metadata, delete, undelete, destroy.

Thin translation onto the secrets store services (secrets_app.services.kv); the services check
policies and write the audit log. Vault's KV holds JSON objects: a value stored as a plain
string through our own API reads here as `{"value": "<string>"}`.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.authority import authority_require
from core.errors import NotFound
from core.ints import INT64_MAX
from core.registry import setting_get, setting_reset, setting_set

from ..services.kv import (
    VersionDeleted,
    secret_delete_all,
    secret_delete_versions,
    secret_destroy_versions,
    secret_list,
    secret_metadata_read,
    secret_metadata_update,
    secret_read,
    secret_undelete_versions,
    secret_write,
)
from . import vault_serializers as s
from .kv_serializers import SECRET_PATH_SCHEMA
from .vault import (
    VaultAPIView,
    VaultError,
    go_duration,
    rfc3339,
    unknown_parameter_warnings,
    vault_int,
)

KV_TAGS = ["vault: kv v2"]
PATH = OpenApiParameter(
    "path", SECRET_PATH_SCHEMA, OpenApiParameter.PATH, required=True, description="secret path"
)
VERSION = OpenApiParameter(
    "version",
    {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
    description="a version (default, or 0: the current one)",
)
LIST = OpenApiParameter("list", bool, description="true: list the keys under the path (LIST)")


def _value_as_data(value: Any) -> dict:
    return value if isinstance(value, dict) else {"value": value}


def version_metadata(secret, version) -> dict:
    return {
        "created_time": rfc3339(version.created_at),
        "custom_metadata": secret.metadata or None,
        "deletion_time": rfc3339(version.deletion_time),
        "destroyed": version.destroyed,
        "version": version.version,
    }


def _versions(body: dict) -> list[int]:
    versions = body.get("versions")
    if isinstance(versions, str | int) and not isinstance(versions, bool):
        versions = str(versions).split(",")  # the CLI may send "1,2"
    if not isinstance(versions, list) or not versions:
        raise VaultError(400, ["No version number provided"])
    try:
        # Vault's API takes numbers or numeric strings (the CLI sends ["1", "2"]).
        return [v if isinstance(v, int) else int(str(v).strip()) for v in versions]
    except ValueError:
        raise VaultError(400, ["versions: expected a list of version numbers"]) from None


class _KVView(VaultAPIView):
    def kv_args(self) -> dict:
        return {"user": self.request.user, "context": self.request.auth}


class DataView(_KVView):
    """/v1/secret/data/<path>: read a version, write a new one, soft-delete the latest."""

    @extend_schema(
        parameters=[PATH, VERSION],
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_read",
    )
    def get(self, request, path: str):
        raw_version = request.query_params.get("version")
        try:
            version = int(raw_version) if raw_version not in (None, "") else None
        except ValueError:
            raise VaultError(400, ["version: expected an integer"]) from None
        try:
            secret, row = secret_read(path_or_id=path, version=version or None, **self.kv_args())
        except VersionDeleted as gone:
            # Vault answers a deleted or destroyed version with 404 *and* its metadata.
            body = self.ok(
                data={"data": None, "metadata": version_metadata(gone.secret, gone.version)}
            )
            body.status_code = 404
            return body
        return self.ok(
            data={"data": _value_as_data(row.value), "metadata": version_metadata(secret, row)}
        )

    @extend_schema(
        parameters=[PATH],
        request=s.VaultKVWriteSerializer,
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_write",
    )
    def post(self, request, path: str):
        body = self.body()
        warnings = unknown_parameter_warnings(body, {"data", "options", "version"})
        data = body.get("data")
        if data is None:
            raise VaultError(400, ["no data provided"])
        if not isinstance(data, dict):
            raise VaultError(400, ["data: expected a JSON object"])
        options = body.get("options") or {}
        if not isinstance(options, dict):
            raise VaultError(400, ["options: expected a JSON object"])
        warnings += unknown_parameter_warnings(options, {"cas"})
        cas = options.get("cas")
        if cas is not None:
            cas = vault_int(cas, "cas", minimum=0)
        version = secret_write(path=path, value=data, cas=cas, **self.kv_args())
        return self.ok(data=version_metadata(version.secret, version), warnings=warnings)

    @extend_schema(
        parameters=[PATH],
        request=s.VaultKVWriteSerializer,
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_write_put",
    )
    def put(self, request, path: str):
        return self.post(request, path)

    @extend_schema(
        parameters=[PATH],
        responses={**s.NO_CONTENT, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_delete_latest",
    )
    def delete(self, request, path: str):
        # Deleting what is not there succeeds, as in Vault (policies are still checked first).
        with suppress(NotFound):
            secret_delete_versions(path=path, versions=None, **self.kv_args())
        return self.no_content()


class MetadataView(_KVView):
    """/v1/secret/metadata/<path>: read or change a secret's metadata, delete it all, LIST."""

    @extend_schema(
        parameters=[PATH, LIST],
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_metadata_read",
    )
    def get(self, request, path: str = ""):
        if request.query_params.get("list", "").lower() in ("true", "1"):
            return self.list(request, path)
        secret = secret_metadata_read(path=path, **self.kv_args())
        versions = {
            str(v.version): {
                "created_time": rfc3339(v.created_at),
                "deletion_time": rfc3339(v.deletion_time),
                "destroyed": v.destroyed,
            }
            for v in secret.version_list
        }
        return self.ok(
            data={
                "cas_required": secret.cas_required,
                "created_time": rfc3339(secret.created_at),
                "current_metadata_version": 0,
                "current_version": secret.current_version,
                "custom_metadata": secret.metadata or None,
                "delete_version_after": go_duration(secret.delete_version_after),
                "max_versions": secret.max_versions,
                "metadata_cas_required": False,
                "oldest_version": secret.oldest_version,
                "updated_time": rfc3339(secret.updated_at),
                "versions": versions,
            }
        )

    def list(self, request, path: str = "") -> Response:
        keys = secret_list(prefix=path, **self.kv_args())
        if not keys:
            raise VaultError(404, [])
        return self.ok(data={"keys": keys})

    @extend_schema(
        parameters=[PATH],
        request=s.VaultKVMetadataSerializer,
        responses={**s.NO_CONTENT, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_metadata_write",
    )
    def post(self, request, path: str = ""):
        body = self.body()
        known = {"max_versions", "cas_required", "delete_version_after", "custom_metadata"}
        warnings = unknown_parameter_warnings(body, known)
        max_versions = body.get("max_versions")
        if max_versions is not None:
            max_versions = vault_int(max_versions, "max_versions", minimum=0)
        secret_metadata_update(
            path=path,
            max_versions=max_versions,
            cas_required=body.get("cas_required"),
            delete_version_after=body.get("delete_version_after"),
            custom_metadata=body.get("custom_metadata"),
            **self.kv_args(),
        )
        return self.no_content(warnings=warnings)

    @extend_schema(
        parameters=[PATH],
        request=s.VaultKVMetadataSerializer,
        responses={**s.NO_CONTENT, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_metadata_write_put",
    )
    def put(self, request, path: str = ""):
        return self.post(request, path)

    @extend_schema(
        parameters=[PATH],
        responses={**s.NO_CONTENT, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_metadata_delete",
    )
    def delete(self, request, path: str = ""):
        with suppress(NotFound):
            secret_delete_all(path=path, **self.kv_args())
        return self.no_content()


def _versions_view(service, operation: str, doc: str):
    class VersionsView(_KVView):
        __doc__ = doc

        @extend_schema(
            parameters=[PATH],
            request=s.VaultKVVersionsSerializer,
            responses={**s.NO_CONTENT, **s.ERRORS},
            tags=KV_TAGS,
            operation_id=f"vault_kv_{operation}",
        )
        def post(self, request, path: str):
            body = self.body()
            warnings = unknown_parameter_warnings(body, {"versions"})
            versions = _versions(body)
            with suppress(NotFound):
                service(path=path, versions=versions, **self.kv_args())
            return self.no_content(warnings=warnings)

        @extend_schema(
            parameters=[PATH],
            request=s.VaultKVVersionsSerializer,
            responses={**s.NO_CONTENT, **s.ERRORS},
            tags=KV_TAGS,
            operation_id=f"vault_kv_{operation}_put",
        )
        def put(self, request, path: str):
            return self.post(request, path)

    VersionsView.__name__ = VersionsView.__qualname__ = f"{operation.title()}View"
    return VersionsView


DeleteView = _versions_view(
    secret_delete_versions, "delete", "/v1/secret/delete/<path>: soft-delete versions (204)."
)
UndeleteView = _versions_view(
    secret_undelete_versions, "undelete", "/v1/secret/undelete/<path>: restore versions (204)."
)
DestroyView = _versions_view(
    secret_destroy_versions, "destroy", "/v1/secret/destroy/<path>: erase versions for good."
)


@extend_schema(exclude=True)
class UnknownKVPathView(_KVView):
    """/v1/secret/<anything else>: Vault's hint that KV v2 paths go through data/ or metadata/."""

    def _hint(self, request, *args, **kwargs) -> Response:
        response = self.ok(warnings=[KV_V1_HINT])
        response.status_code = 404
        return response

    get = post = put = patch = delete = list = _hint


KV_V1_HINT = (
    "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API "
    "endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation."
)


@extend_schema(exclude=True)
class MetadataRootView(MetadataView):
    """/v1/secret/metadata/ itself: LIST of the top level (documented with the path form)."""


class ConfigView(_KVView):
    """/v1/secret/config: the store-wide KV settings (max_versions is
    `secrets.default_max_versions` of the settings registry; only admins change it)."""

    @extend_schema(
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_config_read",
    )
    def get(self, request):
        return self.ok(
            data={
                "cas_required": False,
                "delete_version_after": "0s",
                "max_versions": setting_get("secrets.default_max_versions"),
                "metadata_cas_required": False,
            }
        )

    @extend_schema(
        request=s.VaultKVConfigSerializer,
        responses={**s.NO_CONTENT, **s.ERRORS},
        tags=KV_TAGS,
        operation_id="vault_kv_config_write",
    )
    def post(self, request):
        authority_require(user=request.user, token=request.auth, power="settings.write")
        body = self.body()
        known = {"max_versions", "cas_required", "delete_version_after"}
        warnings = unknown_parameter_warnings(body, known)
        if body.get("cas_required") or body.get("delete_version_after") not in (None, "", 0, "0s"):
            warnings.append(
                "cas_required and delete_version_after are set per secret here "
                "(secret/metadata/<path>); the store-wide values were ignored"
            )
        max_versions = body.get("max_versions")
        if max_versions in (0, "0"):
            setting_reset(key="secrets.default_max_versions", actor=request.user)
        elif max_versions is not None:
            setting_set(
                key="secrets.default_max_versions",
                value=max_versions,
                actor=request.user,
            )
        return self.no_content(warnings=warnings)
