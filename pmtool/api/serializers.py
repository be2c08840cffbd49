"""API shapes. Input serializers validate types and sizes only; services own the rules."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    ActivityEvent,
    ApiToken,
    Invitation,
    LifecycleStage,
    Membership,
    Product,
    Role,
    TokenScope,
    User,
    Workspace,
)

MAX_ID = 2**62


def validated(serializer_class: type, data: Any, **kwargs: Any) -> dict[str, Any]:
    """The validated data, or a 400. Pass `request.data` for a body, `request.query_params` (a
    QueryDict: each parameter's last value; every value a string) for a query string."""
    if isinstance(data, QueryDict):
        data = data.dict()
        kwargs["context"] = {**kwargs.get("context", {}), "query_string": True}
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def json_type_error(field: serializers.Field, value: Any) -> str | None:
    """Why `value` (from a JSON body) is not of the type the schema gives `field`, or None.

    DRF coerces: 0 becomes "0" for a string, "5" becomes 5 for an integer, "yes" becomes True. A JSON
    body must carry the declared type (a query string carries only strings and is left alone)."""
    if value is None or isinstance(field, serializers.SerializerMethodField):
        return None
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        errors = (json_type_error(field.child, item) for item in value)
        return next((error for error in errors if error is not None), None)
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Must be true or false."
    if isinstance(value, bool):
        is_text = isinstance(field, serializers.CharField | serializers.ChoiceField)
        return "Must be a string." if is_text else "Must be a number." if _is_number(field) else None
    if _is_number(field):
        return None if isinstance(value, int | float) else "Must be a number."
    if isinstance(field, serializers.ChoiceField):
        if all(isinstance(key, str) for key in field.choices):
            return None if isinstance(value, str) else "Must be a string."
        return None
    if isinstance(field, serializers.CharField | serializers.DateField | serializers.DateTimeField):
        return None if isinstance(value, str) else "Must be a string."
    return None


def _is_number(field: serializers.Field) -> bool:
    return isinstance(field, serializers.IntegerField | serializers.FloatField | serializers.DecimalField)


class StrictSerializer(serializers.Serializer):
    # Rejects fields it does not know, so a typo is an error, not a silent no-op; and values of the
    # wrong JSON type (see json_type_error) unless the data is a query string (`query_string`
    # context). (A comment: drf-spectacular would show a docstring in every component.)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            if not self.context.get("query_string"):
                wrong = {
                    name: [error]
                    for name, value in data.items()
                    if (error := json_type_error(self.fields[name], value)) is not None
                }
                if wrong:
                    raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class OptionalUrlField(serializers.CharField):
    """An address stored as "" when there is none, answered as null (the schema's `format: uri`
    does not admit "")."""

    def to_representation(self, value: Any) -> Any:  # str, or None for ""
        return value or None


class UserBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "name")


# --- workspaces ---------------------------------------------------------------


class WorkspaceSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="my_role", read_only=True)

    class Meta:
        model = Workspace
        fields = ("id", "name", "slug", "role", "created_at")


SLUG_HELP = "Letters, digits, '-' and '_'. Leave it out to derive it from the name."


class WorkspaceCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False, help_text=SLUG_HELP)


class WorkspaceUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)


class MemberSerializer(serializers.ModelSerializer):
    user = UserBriefSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "user", "role", "created_at")


class MemberUpdateSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    invited_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = Invitation
        fields = ("id", "email", "role", "invited_by", "created_at", "expires_at", "sent_at")


class InvitationCreateSerializer(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.EDITOR)


# --- products -----------------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    workspace = serializers.IntegerField(source="workspace_id", read_only=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Product
        fields = (
            "id",
            "workspace",
            "name",
            "slug",
            "description",
            "stage",
            "archived",
            "archived_at",
            "version",
            "created_at",
            "updated_at",
        )


class ProductCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False, help_text=SLUG_HELP)
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    stage = serializers.ChoiceField(choices=LifecycleStage.choices, default=LifecycleStage.IDEA)


class ProductUpdateSerializer(StrictSerializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="The version you read. Required unless an If-Match header carries it; "
        "a stale version answers 409 (412 for If-Match).",
    )
    name = serializers.CharField(max_length=120, required=False)
    slug = serializers.SlugField(max_length=60, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, trim_whitespace=False)
    stage = serializers.ChoiceField(choices=LifecycleStage.choices, required=False)


# --- activity -----------------------------------------------------------------


class ActivityEventSerializer(serializers.ModelSerializer):
    at = serializers.DateTimeField(source="created_at")
    actor = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    product = serializers.IntegerField(source="product_id", allow_null=True)

    class Meta:
        model = ActivityEvent
        fields = ("id", "at", "actor", "action", "target", "product", "changes")

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": ["user", "token", "system"]},
                "user": {"type": "integer", "nullable": True},
                "token": {"type": "integer", "nullable": True},
                "label": {"type": "string"},
            },
        }
    )
    def get_actor(self, event: ActivityEvent) -> dict[str, Any]:
        kind = "token" if event.actor_token_id else "user" if event.actor_user_id else "system"
        return {"kind": kind, "user": event.actor_user_id, "token": event.actor_token_id, "label": event.actor_label}

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"kind": {"type": "string"}, "id": {"type": "integer"}, "repr": {"type": "string"}},
        }
    )
    def get_target(self, event: ActivityEvent) -> dict[str, Any]:
        return {"kind": event.target_type.model, "id": event.target_id, "repr": event.target_repr}


class ActivityFilterSerializer(StrictSerializer):
    actor = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    action = serializers.CharField(max_length=40, required=False)
    kind = serializers.CharField(max_length=100, required=False)
    product = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    cursor = serializers.CharField(required=False, max_length=1000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class ProductFilterSerializer(StrictSerializer):
    archived = serializers.ChoiceField(choices=["false", "true", "all"], required=False, default="false")
    q = serializers.CharField(max_length=200, required=False, allow_blank=True)  # blank: no filter
    stage = serializers.ChoiceField(choices=LifecycleStage.choices, required=False)
    cursor = serializers.CharField(required=False, max_length=1000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


# --- tokens -------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields: tuple[str, ...] = (
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The secret. Shown this once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = (*ApiTokenSerializer.Meta.fields, "token")


class ApiTokenCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=80)
    scope = serializers.ChoiceField(choices=TokenScope.choices, default=TokenScope.WRITE)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "email", "name", "date_joined")
