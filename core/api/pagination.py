from drf_spectacular.utils import OpenApiParameter
from rest_framework import pagination

# The highest page number any list accepts: page x page size stays far inside a 64-bit offset.
MAX_PAGE = 1_000_000


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` (1-based) and `?page_size=` (bounded) on every list."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


# The pagination's query parameters, for views that document them next to their filters.
PAGE_PARAMETERS = [
    OpenApiParameter(
        "page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, description="1-based page"
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": PageNumberPagination.max_page_size},
        description="rows per page",
    ),
]
