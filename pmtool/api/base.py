"""The base of every API view: explicit methods, cursor pagination through `paginate`, and unknown
query parameters refused (a 400 naming them, as unknown body fields are). Re-exported by
pmtool.api.views; pmtool.api.versioned builds its versioned views on it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from ..errors import ValidationError


class ApiView(GenericAPIView):
    # Base: explicit methods, cursor pagination available through `paginate`. (A comment, not a
    # docstring: drf-spectacular would show an inherited docstring as every operation's description.)

    filter_backends = ()  # filters are validated explicitly per view (see *FilterSerializer)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """After authentication and permissions: a query parameter the schema does not document
        for this operation is a 400 naming it (as body fields are), on every view."""
        super().initial(request, *args, **kwargs)
        from .schema import documented_query_parameters

        match = request.resolver_match
        known = documented_query_parameters(match.route, request.method or "GET") if match is not None else None
        if known is None:
            return
        unknown = sorted(set(request.query_params) - known - {"format"})
        if unknown:
            raise ValidationError(
                f"Unknown query parameter: {', '.join(unknown)}.",
                fields={name: ["Unknown parameter."] for name in unknown},
            )

    def paginate(self, queryset: QuerySet, serializer_class: type) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)
