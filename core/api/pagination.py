from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` (1-based) and `?page_size=` (bounded) on every list."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
