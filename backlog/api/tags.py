"""Tag endpoints: a workspace's tags (list by name with feature counts, create), one tag (read with
its ETag, rename / recolour / describe, delete, each with `version` or If-Match) and the merge of
one tag into another. Thin: serializer → access_tag → service → selector → serialize.

A rename onto another tag's name is a 400 with code `tag_name_taken` naming that tag: merge instead
(POST /api/v1/tags/{id}/merge/), never a silent merge."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.pagination import NameCursorPagination
from pmtool.api.serializers import MAX_ID, StrictSerializer
from pmtool.api.versioned import (
    IF_MATCH,
    WORKSPACE,
    VersionedDetailView,
    VersionedListView,
    body_of,
    version_field,
    write_with_version,
)
from pmtool.api.views import ApiView, validated
from pmtool.errors import Conflict
from pmtool.versioning import StaleVersion

from ..models import TAG_DESCRIPTION_MAX, TAG_MAX, Tag
from ..permissions import access_tag
from ..selectors import tags as selectors
from ..services import tags as services


class TagSerializer(serializers.ModelSerializer):
    colour = serializers.CharField(read_only=True, help_text="#rrggbb, or empty for the default look.")
    feature_count = serializers.IntegerField(read_only=True, help_text="Its features (not archived).")

    class Meta:
        model = Tag
        fields = ("id", "name", "colour", "description", "feature_count", "version", "updated_at")


def _colour_field() -> serializers.RegexField:
    return serializers.RegexField(
        r"^(#[0-9a-fA-F]{6})?\Z", max_length=7, allow_blank=True, required=False,
        help_text="#rrggbb; empty for the default look.",
    )  # fmt: skip


def _description_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=TAG_DESCRIPTION_MAX, allow_blank=True, required=False, help_text="Plain text, on one line."
    )


class TagCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=TAG_MAX)
    colour = _colour_field()
    description = _description_field()


class TagUpdateSerializer(StrictSerializer):
    version = version_field()
    name = serializers.CharField(
        max_length=TAG_MAX, required=False,
        help_text="Another tag's name (ignoring case) is refused with code `tag_name_taken`: merge instead.",
    )  # fmt: skip
    colour = _colour_field()
    description = _description_field()


class TagMergeSerializer(StrictSerializer):
    into = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The tag that stays (same workspace).")
    version = version_field()
    into_version = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The version you read of the tag that stays."
    )


class TagDetailView(VersionedDetailView):
    what = "tag"
    access = access_tag
    output = TagSerializer
    read = selectors.tag_detail
    update_input = TagUpdateSerializer
    update_service = services.tag_update
    delete_service = services.tag_delete
    update_summary = "Rename, recolour or describe a tag (editor); needs `version` or If-Match"
    update_description = "A name another tag of the workspace has (ignoring case) is a 400, code `tag_name_taken`."
    delete_summary = "Delete a tag (editor); needs `version` or If-Match. Its features stay, without it."


class TagListView(VersionedListView):
    pagination_class = NameCursorPagination
    parent = WORKSPACE
    plural = "tags"
    detail = TagDetailView
    output = TagSerializer
    select = selectors.tags_of
    list_summary = "Tags of a workspace, by name, with their feature counts"
    create_input = TagCreateSerializer
    create_service = services.tag_create
    create_description = "A name the workspace has (ignoring case) is a 400 naming `name`."


class TagMergeView(ApiView):
    @extend_schema(
        request=TagMergeSerializer,
        parameters=[IF_MATCH],
        responses=TagSerializer,
        summary="Merge a tag into another (editor); answers the tag that stays",
        description=(
            "Every feature tagged with this tag gets `into` instead (once, if it had both); this tag is "
            "deleted. `version` (or If-Match) is this tag's version, `into_version` the other's: a stale "
            "`version` is 409 (412 for If-Match), a stale `into_version` 409 naming `into_version`."
        ),
    )
    def post(self, request: Request, tag_id: int) -> Response:
        source = access_tag(request.user, tag_id, write=True).obj
        data = body_of(validated(TagMergeSerializer, request.data))
        actor = Actor.from_request(request)
        into_id, into_version = data.pop("into"), data.pop("into_version")

        def merge(version: int) -> Tag:
            try:
                return services.tag_merge(
                    actor=actor, tag_id=source.pk, version=version, into_id=into_id, into_version=into_version
                )
            except StaleVersion as exc:
                if exc.current.pk != into_id:
                    raise
                raise Conflict(
                    "The tag to merge into was changed by someone else: read it again, then merge.",
                    code="stale_version",
                    fields={"into_version": [f"The current version is {exc.current_version}."]},
                ) from exc

        return write_with_version(request, data, merge, _respond)


def _respond(tag: Any) -> Response:
    return TagDetailView.respond(tag)
