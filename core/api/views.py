"""Error answers: JSON on API paths (clients never get HTML), the site's styled pages
(templates/400.html, 403.html, 404.html, 500.html) everywhere else."""

import sys

from django.http import JsonResponse
from django.views.defaults import bad_request as page_bad_request
from django.views.defaults import page_not_found, server_error
from django.views.defaults import permission_denied as page_permission_denied

from core.outage import outage_response
from core.paths import is_api_path, is_vault_path

VAULT_PERMISSION_DENIED = "permission denied"


def api_error(path: str, status: int, message: str, *, loc: list | None = None) -> JsonResponse:
    """An error answered outside a view, in the shape of the route it was meant for: Vault's
    `{"errors": [...]}` under /v1/ (a 404 is `{"errors": []}`, a 422 is Vault's 400), the
    project's `{"detail": ...}` elsewhere (a 422 with `loc` in the validation shape)."""
    if is_vault_path(path):
        if status == 422:
            status = 400
        errors = [] if status == 404 else [message]
        response = JsonResponse({"errors": errors}, status=status)
    elif status == 422:
        item = {"loc": loc or ["body"], "msg": message, "type": "value_error"}
        response = JsonResponse({"detail": [item]}, status=status)
    else:
        response = JsonResponse({"detail": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _api(request) -> bool:
    return is_api_path(request.path)


def bad_request(request, exception=None):
    if _api(request):
        return api_error(request.path, 400, "Bad request.")
    return page_bad_request(request, exception)


def permission_denied(request, exception=None):
    if _api(request):
        message = "You do not have permission to perform this action."
        if is_vault_path(request.path):
            message = VAULT_PERMISSION_DENIED
        return api_error(request.path, 403, message)
    return page_permission_denied(request, exception)


def not_found(request, exception=None):
    if _api(request):
        return api_error(request.path, 404, "Not found.")
    return page_not_found(request, exception)


def error(request):
    # A database or Redis outage raised in a middleware (outside any view): 503, not 500.
    outage = outage_response(request, sys.exc_info()[1])
    if outage is not None:
        return outage
    if _api(request):
        return api_error(request.path, 500, "Internal server error.")
    return server_error(request)
