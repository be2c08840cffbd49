"""The MoSCoW endpoint: put a feature in a column. Thin: validate → access_feature (authorise) →
service → serialize; the write needs `version` or If-Match (stale: 409, or 412 for If-Match)."""

from __future__ import annotations

from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.api.serializers import StrictSerializer
from pmtool.api.versioned import IF_MATCH, version_field, versioned_response, versioned_write
from pmtool.api.views import ApiView

from ..models import Feature, MoSCoW
from ..permissions import access_feature
from ..services.moscow import feature_moscow_set

MOSCOW_CHOICES = [("", "Not yet sorted"), *MoSCoW.choices]


class FeatureMoscowSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    moscow = serializers.ChoiceField(choices=MOSCOW_CHOICES, help_text="Empty: not yet sorted.")

    class Meta:
        model = Feature
        fields = ("id", "product", "title", "moscow", "version", "updated_at")


class MoscowUpdateSerializer(StrictSerializer):
    moscow = serializers.ChoiceField(
        choices=MOSCOW_CHOICES, allow_blank=True, help_text="must, should, could, wont; empty: not yet sorted."
    )
    version = version_field()


def _respond(feature: Feature) -> Response:
    return versioned_response(FeatureMoscowSerializer(feature).data, feature.version)


class FeatureMoscowView(ApiView):
    @extend_schema(
        request=MoscowUpdateSerializer,
        parameters=[IF_MATCH],
        responses=FeatureMoscowSerializer,
        summary="Put a feature in a MoSCoW column (editor); needs `version` or If-Match",
        description="The column it is already in changes nothing (same version). A stale version answers 409 "
        "(412 for If-Match) with the current version: read the feature again to see the column it is in now.",
    )
    def put(self, request: Request, feature_id: int) -> Response:
        feature = access_feature(request.user, feature_id, write=True).obj
        return versioned_write(
            request, MoscowUpdateSerializer, partial(feature_moscow_set, feature_id=feature.pk), _respond
        )
