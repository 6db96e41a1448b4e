"""Error answers: JSON on API paths (clients never get HTML), the site's styled pages
(templates/400.html, 403.html, 404.html, 500.html) everywhere else."""

from django.http import JsonResponse
from django.views.defaults import bad_request as page_bad_request
from django.views.defaults import page_not_found, server_error
from django.views.defaults import permission_denied as page_permission_denied

from core.paths import is_api_path


def _api(request) -> bool:
    return is_api_path(request.path)


def bad_request(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return page_bad_request(request, exception)


def permission_denied(request, exception=None):
    if _api(request):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."}, status=403
        )
    return page_permission_denied(request, exception)


def not_found(request, exception=None):
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def error(request):
    if _api(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return server_error(request)
