"""Bulk edit endpoint: one change applied to many features of a product, each with the version
the client loaded. Partial success is 200 with the stale rows listed; when every row is stale, 409.
Thin: validate → product_access → backlog.services.bulk → serialize."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.serializers import MAX_ID, StrictSerializer, validated
from pmtool.api.views import ApiView
from pmtool.errors import ValidationError
from pmtool.permissions import product_access

from ..models import MoSCoW
from ..services import bulk as services
from ..services.references import TAG_MAX, TAGS_MAX
from .csv import backlog_query_parameters, query_from


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class BulkItemSerializer(StrictSerializer):
    id = _id()
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The version you loaded.")


def _tags(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX), required=False, max_length=TAGS_MAX, help_text=help_text
    )


class BulkChangesSerializer(StrictSerializer):
    status = _id(required=False, help_text="A status id of the workspace.")
    moscow = serializers.ChoiceField(choices=[("", "none"), *MoSCoW.choices], required=False, allow_blank=True)
    owner = _id(required=False, allow_null=True, help_text="A member's user id; null clears it.")
    initiative = _id(required=False, allow_null=True)
    release = _id(required=False, allow_null=True)
    team = _id(required=False, allow_null=True)
    add_tags = _tags("Tag names to add (created in the workspace where new).")
    remove_tags = _tags("Tag names to remove.")
    archive = serializers.BooleanField(required=False)
    restore = serializers.BooleanField(required=False)


class BulkUpdateSerializer(StrictSerializer):
    items = serializers.ListField(
        child=BulkItemSerializer(),
        min_length=1,
        max_length=services.MAX_ITEMS,
        required=False,
        help_text="The selected features. Or, instead, `all_matching`.",
    )
    all_matching = serializers.BooleanField(
        required=False,
        help_text=(
            "Every feature the query parameters match (the backlog list's filters), instead of `items`; "
            "needs `expected_count`."
        ),
    )
    expected_count = serializers.IntegerField(
        min_value=1,
        max_value=services.MAX_MATCHING,
        required=False,
        help_text="With `all_matching`: how many features you saw match. Another number now is a 409.",
    )
    changes = BulkChangesSerializer()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("all_matching"):
            if "items" in attrs:
                raise serializers.ValidationError({"items": ["Give `items` or `all_matching`, not both."]})
            if "expected_count" not in attrs:
                raise serializers.ValidationError({"expected_count": ["Required with `all_matching`."]})
        else:
            if "items" not in attrs:
                raise serializers.ValidationError({"items": ["Select some features (or send `all_matching`)."]})
            if "expected_count" in attrs:
                raise serializers.ValidationError({"expected_count": ["Only with `all_matching`."]})
        return attrs


class StaleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    current_version = serializers.IntegerField()


class BulkResultSerializer(serializers.Serializer):
    updated = serializers.ListField(child=serializers.IntegerField(), help_text="Ids written.")
    unchanged = serializers.ListField(child=serializers.IntegerField(), help_text="Ids already as asked.")
    stale = StaleSerializer(many=True, help_text="Changed since you loaded them: not written.")
    missing = serializers.ListField(child=serializers.IntegerField(), help_text="Ids no longer in the product.")
    message = serializers.CharField()


class FeatureBulkView(ApiView):
    @extend_schema(
        request=BulkUpdateSerializer,
        responses={200: BulkResultSerializer},
        parameters=backlog_query_parameters(),
        summary="Change many features at once (editor)",
        description=(
            f"The selected `items` (at most {services.MAX_ITEMS}, each with the version you loaded): rows whose "
            "version changed since are not written and are listed in `stale` (200, partial success); when every "
            "row is stale (or gone) the answer is 409 and nothing is written. Or `all_matching` with "
            f"`expected_count`: every feature the query parameters match (the list's filters; at most "
            f"{services.MAX_MATCHING:,}); when another number matches now, 409 `view_changed` and nothing is "
            "written. The query parameters are only read with `all_matching`."
        ),
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="change features").obj
        data = validated(BulkUpdateSerializer, request.data)
        actor, changes = Actor.from_request(request), dict(data["changes"])
        if data.get("all_matching"):
            query = query_from(request, ignore=("format",))
            result = services.features_bulk_update_matching(
                actor=actor, product=product, query=query, expected=data["expected_count"], changes=changes
            )
        else:
            filters = sorted(name for name in request.query_params if name != "format")
            if filters:
                raise ValidationError(
                    "Filters apply only with `all_matching`.",
                    fields={name[:80]: ["Only read with all_matching."] for name in filters},
                )
            items = [(item["id"], item["version"]) for item in data["items"]]
            result = services.features_bulk_update(actor=actor, product=product, items=items, changes=changes)
        body = {
            "updated": result.updated_ids,
            "unchanged": result.unchanged_ids,
            "stale": [{"id": s.id, "title": s.title, "current_version": s.current_version} for s in result.stale],
            "missing": result.missing_ids,
            "message": result.message(),
        }
        return Response(BulkResultSerializer(body).data)
