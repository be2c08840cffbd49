"""Cursor pagination for every list: bad ?page_size= and ?cursor= are 400s naming the parameter."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

_BIGINT = 2**63


class DefaultCursorPagination(CursorPagination):
    """Cursor pagination: stable under inserts, constant cost per page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")
    _model: Any = None

    def get_page_size(self, request: Any) -> int:
        """A bad ?page_size= is a 400 on every list (DRF would silently use the default)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]})
        return int(raw)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def _invalid_cursor(self) -> ValidationError:
        return ValidationError({self.cursor_query_param: ["Invalid cursor: use the 'next' or 'previous' link."]})

    def decode_cursor(self, request: Any) -> Any:
        """A malformed ?cursor= is a 400 naming the parameter (DRF answers 404), and so is one that
        decodes but whose position does not fit the ordering field (DRF would pass it to the
        database: a 500)."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self._invalid_cursor() from None
        if cursor is not None and cursor.position is not None and not self._position_fits(str(cursor.position)):
            raise self._invalid_cursor()
        return cursor

    def _position_fits(self, position: str) -> bool:
        if "\x00" in position or len(position) > 1000:
            return False
        if self._model is None:
            return True
        name = self.ordering[0].lstrip("-") if isinstance(self.ordering, list | tuple) else self.ordering.lstrip("-")
        try:
            field = self._model._meta.get_field(name)
        except FieldDoesNotExist:
            return True  # an annotation: the database still refuses NUL, checked above
        try:
            value = field.to_python(position)
        except (DjangoValidationError, TypeError, ValueError, OverflowError):
            return False
        is_integer = isinstance(field, models.IntegerField | models.AutoField)
        return not is_integer or -_BIGINT <= int(value) < _BIGINT

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """The parameters with their bounds, as they are enforced."""
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The position: take it from the `next` or `previous` link.",
                "schema": {"type": "string", "maxLength": 1000},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page: 1–{self.max_page_size}, default {self.page_size}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
            },
        ]


class NameCursorPagination(DefaultCursorPagination):
    ordering = ("name", "id")


class NewestFirstPagination(DefaultCursorPagination):
    ordering = ("-created_at", "-id")
