from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Cursor pagination: stable under inserts, constant cost per page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")


class NameCursorPagination(DefaultCursorPagination):
    ordering = ("name", "id")


class NewestFirstPagination(DefaultCursorPagination):
    ordering = ("-created_at", "-id")
