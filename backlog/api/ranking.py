"""Ranking endpoint: move a feature in its product's hand-made order. Thin: validate the body →
access_feature_place(write) → backlog.services.ranking.feature_move → serialize."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.schema import ERROR_DESCRIPTIONS
from pmtool.api.serializers import MAX_ID, StrictSerializer
from pmtool.api.views import ApiView, validated

from ..models import Feature
from ..permissions import access_feature_place
from ..services import ranking as services


def _neighbour(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True, help_text=help_text)


class MoveSerializer(StrictSerializer):
    after_id = _neighbour("The feature it goes after (its upper neighbour, now). Empty: the top of the list.")
    before_id = _neighbour("The feature it goes before (its lower neighbour, now). Empty: the bottom of the list.")
    to = serializers.ChoiceField(
        choices=services.ENDS,
        required=False,
        allow_null=True,
        help_text="top or bottom, naming no neighbour (never conflicts); instead of after_id / before_id.",
    )


class MovedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rank = serializers.CharField(help_text="Its new rank key (compare byte-wise).")
    version = serializers.IntegerField(help_text="Its version after the move (a move adds one).")
    after_id = serializers.IntegerField(allow_null=True, help_text="Its upper neighbour now (null: the top).")
    before_id = serializers.IntegerField(allow_null=True, help_text="Its lower neighbour now (null: the bottom).")


STALE_NEIGHBOURS = OpenApiResponse(
    response=inline_serializer(
        "StaleNeighboursError",
        {
            "error": inline_serializer(
                "StaleNeighboursErrorBody",
                {
                    "code": serializers.CharField(help_text="stale_neighbours (or concurrent_write)"),
                    "message": serializers.CharField(),
                    "fields": serializers.DictField(
                        child=serializers.ListField(child=serializers.CharField()),
                        help_text="after_id / before_id: the named neighbour that is no longer there.",
                    ),
                    "current": inline_serializer(
                        "CurrentNeighbours",
                        {
                            "after_id": serializers.IntegerField(allow_null=True),
                            "before_id": serializers.IntegerField(allow_null=True),
                        },
                        required=False,
                        help_text="With stale_neighbours: the neighbours of the place you meant, now "
                        "(anchored on the named side that still stands; null: that end of the list). "
                        "Retry with them, or reload.",
                    ),
                },
            )
        },
    ),
    description=ERROR_DESCRIPTIONS[409]
    + " For a move: the neighbours you named are no longer adjacent (`stale_neighbours`, with `current`).",
)


class FeatureMoveView(ApiView):
    @extend_schema(
        request=MoveSerializer,
        responses={200: MovedSerializer, 409: STALE_NEIGHBOURS},
        summary="Move a feature in the ranked backlog (editor)",
        description=(
            "Name the neighbours it lands between, as you see them now: `after_id` (above) and "
            "`before_id` (below); omit one for that end of the list (`after_id` only: it must be the "
            "last; `before_id` only: it must be the first), or send `to`: `top` / `bottom` alone. "
            "Archived features keep their rank but are not neighbours. When the neighbours are no "
            "longer adjacent the answer is 409 `stale_neighbours` with the current ones in "
            "`error.current`. A move needs no `version` (it conflicts on neighbours, not on edits) "
            "but adds one to it. It writes one row."
        ),
    )
    def post(self, request: Request, feature_id: int) -> Response:
        feature = access_feature_place(request.user, feature_id, write=True).obj
        data = validated(MoveSerializer, request.data)
        moved = services.feature_move(
            actor=Actor.from_request(request),
            feature_id=feature.pk,
            product_id=feature.product_id,
            after_id=data.get("after_id"),
            before_id=data.get("before_id"),
            to=data.get("to"),
        )
        return Response(moved_body(moved))


def moved_body(moved: Feature) -> dict[str, object]:
    """The answer to a move (API and page alike): the feature's new rank and version, and where it landed."""
    neighbours: services.Neighbours = getattr(moved, "neighbours")  # noqa: B009 - set by feature_move
    return {"id": moved.pk, "rank": moved.rank, "version": moved.version, **neighbours.as_dict()}
