"""The "API tokens" page: a logged-in person creates and revokes their own tokens.

A new token is shown exactly once, in the answer to the POST that created it (never stored in
the session, answered with `Cache-Control: no-store`); the list shows accessors only.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import InvalidArgument, PermissionDenied
from secrets_app.policy_names import policies_grantable_by

from ..models import Token
from ..services.tokens import token_issue, tokens_revoke


class TokenCreateForm(forms.Form):
    display_name = forms.CharField(max_length=100, required=False, label="Name")
    ttl = forms.CharField(
        max_length=20,
        required=False,
        label="TTL",
        help_text="Seconds or a duration like 30m, 12h, 7d. Empty: the default.",
    )
    num_uses = forms.IntegerField(
        min_value=0, initial=0, required=False, label="Uses", help_text="0 = unlimited."
    )
    bound_cidrs = forms.CharField(
        max_length=500,
        required=False,
        label="Bind to IP / CIDR",
        help_text="Comma-separated, e.g. 203.0.113.7, 10.0.0.0/8. Empty: any address.",
    )
    policies = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Within your own; none ticked = all of yours.",
    )

    def __init__(self, *args, grantable: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        policies = cast(forms.ChoiceField, self.fields["policies"])
        policies.choices = [(name, name) for name in sorted(grantable)]


def _live_tokens(user):
    now = timezone.now()
    return (
        Token.objects.filter(user=user, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exclude(num_uses__gt=0, uses_remaining=0)
        .order_by("-created_at")
    )


def _page(request, form, *, created=None, status=200):
    response = render(
        request,
        "secrets_app/tokens.html",
        {"form": form, "tokens": _live_tokens(request.user), "created": created},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_page(request):
    grantable = policies_grantable_by(user=request.user)
    if request.method == "GET":
        return _page(request, TokenCreateForm(grantable=grantable))
    form = TokenCreateForm(request.POST, grantable=grantable)
    if not form.is_valid():
        return _page(request, form, status=422)
    data = form.cleaned_data
    try:
        issued = token_issue(
            user=request.user,
            policies=data["policies"] or None,
            ttl=data["ttl"] or None,
            num_uses=data["num_uses"] or 0,
            bound_cidrs=data["bound_cidrs"] or None,
            display_name=data["display_name"],
            meta={"created_via": "tokens page"},
            actor=request.user,
        )
    except InvalidArgument as exc:
        for error in exc.errors:
            field = error["loc"][-1] if len(error["loc"]) > 1 else None
            form.add_error(field if field in form.fields else None, error["msg"])
        return _page(request, form, status=422)
    except PermissionDenied as exc:
        form.add_error("policies", exc.message)
        return _page(request, form, status=422)
    return _page(request, TokenCreateForm(grantable=grantable), created=issued)


@login_required
@require_POST
def token_revoke(request, accessor: str):
    tokens = Token.objects.filter(accessor=accessor, user=request.user)
    if not tokens.exists():
        raise Http404("No such token.")
    tokens_revoke(tokens, reason="revoked on the tokens page", actor=request.user)
    messages.success(request, f"Token {accessor} revoked.")
    return redirect("secrets-tokens")
