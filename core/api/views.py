"""JSON answers for unknown API paths and server errors, so clients never get HTML."""

from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error

from core.paths import is_api_path


def not_found(request, exception=None):
    if is_api_path(request.path):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def error(request):
    if is_api_path(request.path):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return server_error(request)
