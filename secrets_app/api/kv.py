"""The contract's secret routes (`/api/v1/secrets…`) and the KV v2 extras: views translate HTTP to
the services in secrets_app.services.kv and nothing more."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.exceptions import parameter_errors, path_parameter
from core.api.pagination import PageNumberPagination
from core.errors import InvalidArgument
from core.ints import INT64_MAX, parse_int

from ..selectors import secret_list_visible
from ..services import kv
from ..services.kv_common import path_of, secret_lookup
from ..services.tokens import TokenContext
from ..services.wrapping import wrap_create, wrap_unwrap
from . import kv_serializers as s

ERRORS = {
    401: OpenApiResponse(description="Not authenticated or token refused"),
    403: OpenApiResponse(description="A policy refuses it"),
    404: OpenApiResponse(description="No such secret (or expired, or version deleted)"),
    422: OpenApiResponse(description="Validation error: {detail: [{loc, msg, type}]}"),
}
TAGS = ["secrets"]
VERSION_PARAM = OpenApiParameter(
    "version",
    {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
    description="a version; default (or 0) the current",
)
SECRET_ID = OpenApiParameter(
    "secret_id",
    s.SECRET_PATH_SCHEMA,
    OpenApiParameter.PATH,
    required=True,
    description="the secret's path (`team/db/password`) or its stable id",
)


def _ctx(request) -> dict:
    context = request.auth if isinstance(request.auth, TokenContext) else None
    return {"user": request.user, "context": context}


def _iso(value, zone=None):
    """What serializers.DateTimeField renders (ISO 8601 in the current time zone, UTC as "Z"),
    without its per-call overhead: the hot routes format four timestamps per answer (and look
    the zone up once: `zone`)."""
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _meta(secret) -> dict:
    return {
        "id": secret.id,
        "path": secret.path,
        "current_version": secret.current_version,
        "metadata": secret.metadata,
        "created_at": secret.created_at,
        "updated_at": secret.updated_at,
        "expires_at": secret.expires_at,
    }


def _version_param(request) -> int | None:
    raw = request.query_params.get("version")
    if raw in (None, "", "0"):
        return None
    try:
        return parse_int(raw, minimum=1, name="version")
    except ValueError:
        raise InvalidArgument(
            "version must be a positive integer.", field="version", location="query"
        ) from None


def _write(request, serializer_class, path):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    version = kv.secret_write(
        path=path or v["path"],
        value=v["value"],
        metadata=v.get("metadata"),
        ttl=v.get("ttl"),
        cas=v.get("cas"),
        **_ctx(request),
    )
    secret = version.secret
    # SecretMetaSerializer's shape, built directly (a write is a hot path too).
    return {
        "id": str(secret.id),
        "path": secret.path,
        "version": secret.current_version,
        "metadata": secret.metadata,
        "created_at": _iso(secret.created_at),
        "updated_at": _iso(secret.updated_at),
        "expires_at": _iso(secret.expires_at),
    }


class SecretCreateView(APIView):
    """Create a secret, or add a version to an existing path (`cas` to guard the write)."""

    @extend_schema(
        request=s.SecretCreateSerializer,
        responses={
            201: s.SecretMetaSerializer,
            409: OpenApiResponse(description="cas mismatch"),
            **ERRORS,
        },
        tags=TAGS,
    )
    def post(self, request):
        return Response(
            _write(request, s.SecretCreateSerializer, None), status=status.HTTP_201_CREATED
        )


class SecretListView(APIView):
    """Secrets visible to the caller, paginated; filters by path prefix and metadata key.
    Never carries values."""

    @extend_schema(
        parameters=[s.SecretListQuerySerializer],
        responses={200: s.SecretMetaSerializer(many=True), **ERRORS},
        tags=TAGS,
    )
    def get(self, request):
        query = s.SecretListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        with parameter_errors("query", "path_prefix"):
            secrets = secret_list_visible(
                path_prefix=q.get("path_prefix", ""),
                metadata_key=q.get("metadata_key") or None,
                **_ctx(request),
            )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(secrets, request, view=self)
        assert page is not None  # the API's settings give every list a page size
        return paginator.get_paginated_response(
            s.SecretMetaSerializer([_meta(x) for x in page], many=True).data
        )


class SecretRouteView(APIView):
    """A view of one secret named in the route (`secret_id`: its id or its path). A malformed
    path is refused as a path parameter (422, loc ["path", "secret_id"]) before any service
    looks at it."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        with path_parameter("secret_id"):
            secret_lookup(kwargs.get("secret_id"))


class SecretDetailView(SecretRouteView):
    """Read (any version), update (a new version) or delete (every version) one secret, by its
    stable id or its path."""

    @extend_schema(
        parameters=[SECRET_ID, VERSION_PARAM],
        responses={200: s.SecretReadSerializer, **ERRORS},
        tags=TAGS,
    )
    def get(self, request, secret_id: str):
        secret, version = kv.secret_read(
            path_or_id=secret_id, version=_version_param(request), **_ctx(request)
        )
        # The hot read path answers a plain dict in SecretReadSerializer's shape (as documented
        # in the schema) without running the serializer: ~1 ms of a ~7 ms read.
        zone = timezone.get_current_timezone()
        return Response(
            {
                "id": str(secret.id),
                "path": secret.path,
                "version": version.version,
                "current_version": secret.current_version,
                "value": version.value,
                "metadata": secret.metadata,
                "created_at": _iso(secret.created_at, zone),
                "updated_at": _iso(secret.updated_at, zone),
                "version_created_at": _iso(version.created_at, zone),
                "expires_at": _iso(secret.expires_at, zone),
            }
        )

    @extend_schema(
        parameters=[SECRET_ID],
        request=s.SecretUpdateSerializer,
        responses={
            200: s.SecretMetaSerializer,
            409: OpenApiResponse(description="cas mismatch"),
            **ERRORS,
        },
        tags=TAGS,
    )
    def put(self, request, secret_id: str):
        path = path_of(secret_id)
        return Response(_write(request, s.SecretUpdateSerializer, path))

    @extend_schema(
        parameters=[SECRET_ID],
        request=s.SecretUpdateSerializer,
        responses={200: s.SecretMetaSerializer, **ERRORS},
        tags=TAGS,
    )
    def patch(self, request, secret_id: str):
        return self.put(request, secret_id)

    @extend_schema(parameters=[SECRET_ID], responses={204: None, **ERRORS}, tags=TAGS)
    def delete(self, request, secret_id: str):
        kv.secret_delete_all(path=secret_id, **_ctx(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SecretMetadataView(SecretRouteView):
    """KV v2 metadata: versions with their state, max_versions, cas_required,
    delete_version_after, custom metadata."""

    @extend_schema(
        parameters=[SECRET_ID], responses={200: s.SecretMetadataSerializer, **ERRORS}, tags=TAGS
    )
    def get(self, request, secret_id: str):
        secret = kv.secret_metadata_read(path=secret_id, **_ctx(request))
        return Response(s.SecretMetadataSerializer(secret).data)

    @extend_schema(
        parameters=[SECRET_ID],
        request=s.SecretMetadataUpdateSerializer,
        responses={200: s.SecretMetadataSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request, secret_id: str):
        data = s.SecretMetadataUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kv.secret_metadata_update(path=secret_id, **data.validated_data, **_ctx(request))
        secret = kv.secret_metadata_read(path=secret_id, **_ctx(request))
        return Response(s.SecretMetadataSerializer(secret).data)


def _versions_view(service, serializer_class, doc: str):
    class View(SecretRouteView):
        @extend_schema(
            parameters=[SECRET_ID],
            request=serializer_class,
            description=doc,
            responses={200: s.VersionsChangedSerializer, **ERRORS},
            tags=TAGS,
        )
        def post(self, request, secret_id: str):
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            changed = service(
                path=secret_id, versions=data.validated_data.get("versions"), **_ctx(request)
            )
            return Response({"path": path_of(secret_id), "versions": changed})

    View.__doc__ = doc
    View.__name__ = service.__name__.title().replace("_", "") + "View"
    return View


SecretDeleteVersionsView = _versions_view(
    kv.secret_delete_versions,
    s.VersionsOptionalSerializer,
    "Soft-delete versions (default: the current one); undo with undelete.",
)
SecretUndeleteVersionsView = _versions_view(
    kv.secret_undelete_versions, s.VersionsSerializer, "Restore soft-deleted versions."
)
SecretDestroyVersionsView = _versions_view(
    kv.secret_destroy_versions,
    s.VersionsSerializer,
    "Destroy versions: their ciphertext is erased for good.",
)


class SecretChildrenView(APIView):
    """Vault LIST semantics: the immediate children of a folder (sub-folders end with '/')."""

    @extend_schema(
        parameters=[
            OpenApiParameter("prefix", s.SECRET_FOLDER_SCHEMA, description="folder, 'a/b/'")
        ],
        responses={200: s.SecretChildrenSerializer, **ERRORS},
        tags=TAGS,
    )
    def get(self, request):
        with parameter_errors("query", "prefix"):
            keys = kv.secret_list(prefix=request.query_params.get("prefix", ""), **_ctx(request))
        return Response({"keys": keys})


def _share_url(request, raw: str) -> str:
    # The token travels in the fragment, which browsers never send: it stays out of every
    # server's access log; the page's script reads it and POSTs it (secrets_app/web/share.py).
    return request.build_absolute_uri(reverse("secret-share")) + "#" + raw


class SecretShareView(SecretRouteView):
    """Wrap the current version of a secret into a single-use link (needs `read`)."""

    @extend_schema(
        parameters=[SECRET_ID],
        request=s.WrapSecretSerializer,
        responses={201: s.WrapResponseSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request, secret_id: str):
        data = s.WrapSecretSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        raw, expires_at = wrap_create(
            path=secret_id, ttl=data.validated_data.get("ttl"), **_ctx(request)
        )
        return Response(
            {"token": raw, "expires_at": expires_at, "url": _share_url(request, raw)},
            status=status.HTTP_201_CREATED,
        )


class WrapView(APIView):
    """Wrap an ad-hoc value into a single-use token."""

    @extend_schema(
        request=s.WrapCreateSerializer,
        responses={201: s.WrapResponseSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request):
        data = s.WrapCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "value" not in data.validated_data:
            raise InvalidArgument("This field is required.", field="value", code="required")
        raw, expires_at = wrap_create(
            value=data.validated_data["value"], ttl=data.validated_data.get("ttl"), **_ctx(request)
        )
        return Response(
            {"token": raw, "expires_at": expires_at, "url": _share_url(request, raw)},
            status=status.HTTP_201_CREATED,
        )


class UnwrapView(APIView):
    """Return a wrapped value once; the second attempt and an expired token get 404. Needs no
    other authentication: the wrap token is the credential."""

    permission_classes: list = []
    authentication_classes: list = []

    @extend_schema(
        request=s.UnwrapSerializer, responses={200: s.UnwrapResponseSerializer, **ERRORS}, tags=TAGS
    )
    def post(self, request):
        data = s.UnwrapSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        value = wrap_unwrap(raw_token=data.validated_data["token"])
        return Response({"value": value}, headers={"Cache-Control": "no-store"})
