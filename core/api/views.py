"""JSON answers for unknown API paths and server errors, so clients never get HTML."""

from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error

API_PREFIXES = ("/api/", "/v1/", "/users", "/get-views", "/get-bg-tasks")


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def error(request):
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return server_error(request)
