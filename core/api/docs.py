"""The API documentation pages, offline: Swagger UI and ReDoc come from drf-spectacular-sidecar's
static files (settings SWAGGER_UI_DIST / REDOC_DIST), and nothing on them asks another host."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView

# ReDoc's bundle always draws a "Redocly" logo fetched from the vendor's CDN; this policy keeps
# the browser from asking for it (or anything else off this site). ReDoc needs inline styles
# (styled-components), the page's inline init script, and a worker built from a blob.
REDOC_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)


class OfflineRedocView(SpectacularRedocView):
    template_name = "api_docs/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_CSP
        return response
