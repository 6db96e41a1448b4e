"""Vault's token routes: /v1/auth/token/create, lookup-self, renew-self, revoke-self.

Thin translation onto the identity services (secrets_app.services.tokens); what differs from
our own token API is Vault's vocabulary: a TTL above the maximum is capped with a warning
instead of refused, "default" joins the policies unless `no_default_policy`, and times are
Unix seconds / RFC 3339.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.durations import parse_duration
from core.errors import InvalidArgument, PermissionDenied
from core.security import security_config
from secrets_app.policy_names import DEFAULT, policies_grantable_by

from ..models import Token
from ..services.tokens import (
    TokenContext,
    token_issue,
    token_lookup,
    token_renew_self,
    tokens_revoke,
)
from . import vault_serializers as s
from .vault import (
    VaultAPIView,
    VaultError,
    human_duration,
    multierror,
    unknown_parameter_warnings,
    vault_int,
)

CREATE_PARAMS = {
    "policies",
    "meta",
    "no_default_policy",
    "renewable",
    "ttl",
    "explicit_max_ttl",
    "display_name",
    "num_uses",
    "bound_cidrs",
}
# Accepted by Vault but meaningless here (no token roles, entities or periodic tokens).
IGNORED_CREATE_PARAMS = {"no_parent", "period", "type", "id", "role_name", "entity_alias", "lease"}
TOKEN_TAGS = ["vault: tokens"]
# Vault's words for a child token refused by one of its parent's bounds (token_issue's codes).
VAULT_CREATE_REFUSALS = {
    "policies": "child policies must be subset of parent",
    "num_uses": "restricted use token cannot generate child tokens",
}


def _duration(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise VaultError(400, [f"{field}: {exc}"]) from None


def _string_list(value: Any, field: str) -> list[str] | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise VaultError(400, [f"{field}: expected a list of strings or a comma-separated string"])


def _bool(value: Any, field: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise VaultError(400, [f"{field}: expected a boolean"])


def _ttl_of(token: Token) -> int:
    if token.expires_at is None:
        return 0
    return max(int((token.expires_at - timezone.now()).total_seconds()), 0)


def auth_block(token: Token, raw: str) -> dict:
    return {
        "client_token": raw,
        "accessor": token.accessor,
        "policies": list(token.policies),
        "token_policies": list(token.policies),
        "metadata": token.meta or None,
        "lease_duration": _ttl_of(token),
        "renewable": token.renewable,
        "entity_id": "",
        "token_type": "service",
        "orphan": token.parent_id is None,
        "mfa_requirement": None,
        "num_uses": token.num_uses,
    }


def _rfc3339(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


class TokenCreateView(VaultAPIView):
    """POST /v1/auth/token/create: a child token of the calling token, never more than it."""

    @extend_schema(
        request=s.VaultTokenCreateSerializer,
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=TOKEN_TAGS,
        operation_id="vault_token_create",
    )
    def post(self, request):
        body = self.body()
        warnings = unknown_parameter_warnings(body, CREATE_PARAMS | IGNORED_CREATE_PARAMS)
        ignored = sorted(IGNORED_CREATE_PARAMS & set(body))
        if ignored:
            warnings.append(f"These parameters are not supported and were ignored: {ignored}")
        config = security_config()
        max_ttl = config.token_max_ttl
        ttl = _duration(body.get("ttl"), "ttl")
        explicit_max = _duration(body.get("explicit_max_ttl"), "explicit_max_ttl")
        if explicit_max and explicit_max > max_ttl:
            warnings.append(
                f'Explicit max TTL of "{human_duration(explicit_max)}" is greater than '
                f'system/mount allowed value; value is being capped to "{human_duration(max_ttl)}"'
            )
            explicit_max = max_ttl
        cap = min(explicit_max or max_ttl, max_ttl)
        if ttl and ttl > cap:
            warnings.append(
                f'TTL of "{human_duration(ttl)}" exceeded the effective max_ttl of '
                f'"{human_duration(cap)}"; TTL value is capped accordingly'
            )
            ttl = cap
        num_uses = vault_int(body.get("num_uses", 0), "num_uses", minimum=0)
        meta = body.get("meta")
        if meta is not None and not (
            isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())
        ):
            raise VaultError(400, ["meta: expected a map of strings"])
        display = body.get("display_name") or ""
        if not isinstance(display, str):
            raise VaultError(400, ["display_name: expected a string"])

        parent = Token.objects.get(pk=request.auth.token_id)
        policies = _string_list(body.get("policies"), "policies")
        if policies is not None:
            grantable = policies_grantable_by(user=request.user, parent=parent)
            if not _bool(body.get("no_default_policy"), "no_default_policy", False) and (
                DEFAULT in grantable and DEFAULT not in policies
            ):
                policies = [DEFAULT, *policies]
        try:
            issued = token_issue(
                user=request.user,
                parent=parent,
                policies=policies,
                ttl=ttl,
                explicit_max_ttl=explicit_max,
                num_uses=num_uses,
                bound_cidrs=body.get("bound_cidrs"),
                renewable=_bool(body.get("renewable"), "renewable", True),
                display_name=f"token-{display}" if display else "token",
                meta=meta,
            )
        except PermissionDenied as exc:
            raise VaultError(400, [VAULT_CREATE_REFUSALS.get(exc.code, exc.message)]) from None
        return self.ok(auth=auth_block(issued.token, issued.access_token), warnings=warnings)


class TokenLookupSelfView(VaultAPIView):
    """GET (or POST) /v1/auth/token/lookup-self: describe the calling token."""

    @extend_schema(
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=TOKEN_TAGS,
        operation_id="vault_token_lookup_self",
    )
    def get(self, request):
        info = token_lookup(request.auth)
        extra = Token.objects.filter(pk=request.auth.token_id).values("meta", "ttl_seconds")[0]
        created = info["creation_time"]
        max_at = info["explicit_max_expire_time"]
        data = {
            "accessor": info["accessor"],
            "creation_time": int(created.timestamp()),
            "creation_ttl": extra["ttl_seconds"],
            "display_name": info["display_name"] or "token",
            "entity_id": "",
            "expire_time": _rfc3339(info["expire_time"]),
            "explicit_max_ttl": int((max_at - created).total_seconds()) if max_at else 0,
            "id": self.raw_token(),
            "issue_time": _rfc3339(created),
            "meta": extra["meta"] or None,
            "num_uses": info["uses_remaining"] or 0,
            "orphan": info["parent_accessor"] is None,
            "path": "auth/token/create",
            "policies": info["policies"],
            "renewable": info["renewable"],
            "ttl": info["ttl"],
            "type": "service",
            "bound_cidrs": info["bound_cidrs"],
        }
        return self.ok(data=data)

    @extend_schema(
        request=None,
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=TOKEN_TAGS,
        operation_id="vault_token_lookup_self_post",
    )
    def post(self, request):
        return self.get(request)


class TokenRenewSelfView(VaultAPIView):
    """POST /v1/auth/token/renew-self: extend the calling token, capped at its max TTL."""

    @extend_schema(
        request=s.VaultRenewSelfSerializer,
        responses={200: s.VaultEnvelopeSerializer, **s.ERRORS},
        tags=TOKEN_TAGS,
        operation_id="vault_token_renew_self",
    )
    def post(self, request):
        body = self.body()
        warnings = unknown_parameter_warnings(body, {"increment"})
        increment = _duration(body.get("increment"), "increment")
        try:
            result = token_renew_self(context=request.auth, increment=increment)
        except PermissionDenied as exc:
            raise VaultError(400, [exc.message]) from None
        except InvalidArgument as exc:
            raise VaultError(400, [e["msg"] for e in exc.errors]) from None
        token = result["token"]
        if result["capped"]:
            wanted = increment or token.ttl_seconds
            # Like Vault, the "effective max_ttl" is what is left until the token's max expiry.
            warnings.append(
                f'TTL of "{human_duration(wanted)}" exceeded the effective max_ttl of '
                f'"{human_duration(_ttl_of(token))}"; TTL value is capped accordingly'
            )
        return self.ok(auth=auth_block(token, self.raw_token()), warnings=warnings)


class TokenRevokeSelfView(VaultAPIView):
    """POST /v1/auth/token/revoke-self: revoke the calling token and its children. 204."""

    @extend_schema(
        request=None,
        responses={**s.NO_CONTENT, **s.ERRORS},
        tags=TOKEN_TAGS,
        operation_id="vault_token_revoke_self",
    )
    def post(self, request):
        context: TokenContext = request.auth
        tokens_revoke(
            Token.objects.filter(pk=context.token_id),
            reason="revoked by holder (revoke-self)",
            actor=request.user,
        )
        return self.no_content()


@extend_schema(exclude=True)
class NoRouteView(VaultAPIView):
    """Anything else under /v1/: 404 "unsupported path", as Vault (after authentication)."""

    def _missing(self, request, *args, **kwargs) -> Response:
        raise VaultError(404, [multierror("unsupported path")])

    get = post = put = patch = delete = list = _missing
