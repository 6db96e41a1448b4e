from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` (1-based) and `?page_size=` (bounded) on every list."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


# The pagination's query parameters, for views that document them next to their filters.
PAGE_PARAMETERS = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="1-based page"),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": PageNumberPagination.max_page_size},
        description="rows per page",
    ),
]
