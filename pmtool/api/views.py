"""Core API: workspaces, members, invitations, products, activity, tokens. Thin:
validate input → access_* (authorise) → service or selector → serialize."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from ..activity import Actor
from ..errors import PermissionDenied, PreconditionFailed, ValidationError
from ..models import ApiToken, Role
from ..permissions import access_membership, access_pending_invitation, access_product, access_workspace
from . import serializers as s
from .pagination import NameCursorPagination, NewestFirstPagination


def validated(serializer_class: type, data: Any, **kwargs: Any) -> dict[str, Any]:
    """The validated data, or a 400. Pass `request.data` for a body, `request.query_params` (a
    QueryDict: each parameter's last value; every value a string) for a query string."""
    if isinstance(data, QueryDict):
        data = data.dict()
        kwargs["context"] = {**kwargs.get("context", {}), "query_string": True}
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


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
        known = documented_query_parameters(match.route, request.method) if match is not None else None
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


# --- me and workspaces --------------------------------------------------------


class MeView(ApiView):
    @extend_schema(responses=s.MeSerializer, summary="The signed-in user")
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request.user).data)


class WorkspaceListView(ApiView):
    pagination_class = NameCursorPagination

    @extend_schema(responses=s.WorkspaceSerializer(many=True), summary="Workspaces you belong to")
    def get(self, request: Request) -> Response:
        return self.paginate(selectors.workspaces_for_user(request.user), s.WorkspaceSerializer)

    @extend_schema(
        request=s.WorkspaceCreateSerializer,
        responses={201: s.WorkspaceSerializer},
        summary="Create a workspace (you become its admin)",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.WorkspaceCreateSerializer, request.data)
        workspace = services.workspace_create(
            actor=Actor.from_request(request), name=data["name"], slug=data.get("slug") or None
        )
        workspace.my_role = Role.ADMIN
        return Response(s.WorkspaceSerializer(workspace).data, status=status.HTTP_201_CREATED)


class WorkspaceDetailView(ApiView):
    @extend_schema(responses=s.WorkspaceSerializer, summary="A workspace")
    def get(self, request: Request, workspace_id: int) -> Response:
        return Response(s.WorkspaceSerializer(access_workspace(request.user, workspace_id=workspace_id)).data)

    @extend_schema(
        request=s.WorkspaceUpdateSerializer, responses=s.WorkspaceSerializer, summary="Rename a workspace (admin)"
    )
    def patch(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(
            request.user, workspace_id=workspace_id, minimum=Role.ADMIN, what="rename the workspace"
        )
        data = validated(s.WorkspaceUpdateSerializer, request.data)
        workspace = services.workspace_update(actor=Actor.from_request(request), workspace=workspace, name=data["name"])
        return Response(s.WorkspaceSerializer(workspace).data)


class MemberListView(ApiView):
    pagination_class = None

    @extend_schema(responses=s.MemberSerializer(many=True), summary="Members of a workspace")
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(request.user, workspace_id=workspace_id)
        return Response(s.MemberSerializer(selectors.members_of(workspace), many=True).data)


class MemberDetailView(ApiView):
    @extend_schema(
        request=s.MemberUpdateSerializer, responses=s.MemberSerializer, summary="Change a member's role (admin)"
    )
    def patch(self, request: Request, workspace_id: int, membership_id: int) -> Response:
        workspace = access_workspace(request.user, workspace_id=workspace_id, minimum=Role.ADMIN, what="change roles")
        membership = access_membership(request.user, membership_id, workspace=workspace)
        data = validated(s.MemberUpdateSerializer, request.data)
        membership = services.membership_change_role(
            actor=Actor.from_request(request), membership=membership, role=data["role"]
        )
        return Response(s.MemberSerializer(membership).data)

    @extend_schema(responses={204: None}, summary="Remove a member (admin), or leave the workspace yourself")
    def delete(self, request: Request, workspace_id: int, membership_id: int) -> Response:
        workspace = access_workspace(request.user, workspace_id=workspace_id)
        membership = access_membership(request.user, membership_id, workspace=workspace)
        if membership.user_id != request.user.pk and workspace.my_role != Role.ADMIN:
            raise PermissionDenied("Only an admin of this workspace can remove members.")
        services.membership_remove(actor=Actor.from_request(request), membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListView(ApiView):
    pagination_class = None

    @extend_schema(responses=s.InvitationSerializer(many=True), summary="Pending invitations (admin)")
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(
            request.user, workspace_id=workspace_id, minimum=Role.ADMIN, what="see invitations"
        )
        return Response(s.InvitationSerializer(selectors.invitations_pending(workspace), many=True).data)

    @extend_schema(
        request=s.InvitationCreateSerializer,
        responses={201: s.InvitationSerializer},
        summary="Invite someone by e-mail (admin)",
    )
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(request.user, workspace_id=workspace_id, minimum=Role.ADMIN, what="invite people")
        data = validated(s.InvitationCreateSerializer, request.data)
        invitation = services.invitation_create(
            actor=Actor.from_request(request), workspace=workspace, email=data["email"], role=data["role"]
        )
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationDetailView(ApiView):
    @extend_schema(responses={204: None}, summary="Revoke a pending invitation (admin)")
    def delete(self, request: Request, workspace_id: int, invitation_id: int) -> Response:
        workspace = access_workspace(
            request.user, workspace_id=workspace_id, minimum=Role.ADMIN, what="revoke invitations"
        )
        invitation = access_pending_invitation(invitation_id, workspace=workspace)
        services.invitation_revoke(actor=Actor.from_request(request), invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationResendView(ApiView):
    @extend_schema(request=None, responses=s.InvitationSerializer, summary="Re-send a pending invitation (admin)")
    def post(self, request: Request, workspace_id: int, invitation_id: int) -> Response:
        workspace = access_workspace(
            request.user, workspace_id=workspace_id, minimum=Role.ADMIN, what="re-send invitations"
        )
        invitation = access_pending_invitation(invitation_id, workspace=workspace)
        invitation = services.invitation_resend(actor=Actor.from_request(request), invitation=invitation)
        return Response(s.InvitationSerializer(invitation).data)


# --- products -----------------------------------------------------------------

_IF_MATCH = re.compile(r'^\s*(W/)?"?(\d{1,18})"?\s*$')
IF_MATCH_PATTERN = r'^"?[0-9]{1,18}"?$'  # what the schema documents (a weak W/ tag answers 412)


def _etag(version: int) -> str:
    return f'"{version}"'


def _if_match_version(request: Request) -> int | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    match = _IF_MATCH.match(header)
    if match is None:
        raise ValidationError(
            'The If-Match header must carry the version, e.g. If-Match: "3".', code="invalid_if_match"
        )
    if match.group(1):
        # RFC 9110 13.1.1: If-Match compares strongly, so a weak tag never matches.
        raise PreconditionFailed(
            f'A weak tag (W/"{match.group(2)}") never satisfies If-Match: send the version as a strong tag, '
            f'e.g. If-Match: "{match.group(2)}".',
            code="weak_etag",
        )
    return int(match.group(2))


def if_match_version(request: Request) -> int | None:
    """The version named by an If-Match header: None without one, 400 when it is malformed."""
    return _if_match_version(request)


def required_version(request: Request, data: dict[str, Any]) -> tuple[int, bool]:
    """The version a write was based on: (version, came-from-If-Match). Pops `version` from `data`.

    An If-Match header wins over a `version` field; neither is a 400 (concurrent edits must not be
    lost silently). Pass the pair to a service as `version=…, precondition=…` (stale: 412 / 409)."""
    header_version = _if_match_version(request)
    version = data.pop("version", None)
    if header_version is not None:
        return header_version, True
    if version is None:
        raise ValidationError(
            "Send the version you edited (a 'version' field or an If-Match header), so concurrent edits are not lost.",
            fields={"version": ["This field is required (or send If-Match)."]},
        )
    return version, False


def etag(version: int) -> str:
    return _etag(version)


def _product_response(product: Any, *, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(s.ProductSerializer(product).data, status=status_code, headers={"ETag": _etag(product.version)})


class ProductListView(ApiView):
    pagination_class = NameCursorPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("archived", OpenApiTypes.STR, enum=["false", "true", "all"], description="Default false"),
            OpenApiParameter("q", OpenApiTypes.STR, description="Search in name and description"),
            OpenApiParameter("stage", OpenApiTypes.STR, enum=[c for c, _ in s.LifecycleStage.choices]),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1–200, default 50"),
        ],
        responses=s.ProductSerializer(many=True),
        summary="Products of a workspace, by name",
    )
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(request.user, workspace_id=workspace_id)
        params = validated(s.ProductFilterSerializer, request.query_params)
        archived = {"false": False, "true": True, "all": None}[params["archived"]]
        products = selectors.products_of(
            workspace, archived=archived, q=params.get("q") or None, stage=params.get("stage")
        )
        return self.paginate(products, s.ProductSerializer)

    @extend_schema(
        request=s.ProductCreateSerializer, responses={201: s.ProductSerializer}, summary="Create a product (editor)"
    )
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(
            request.user, workspace_id=workspace_id, minimum=Role.EDITOR, what="create products"
        )
        data = validated(s.ProductCreateSerializer, request.data)
        product = services.product_create(
            actor=Actor.from_request(request),
            workspace=workspace,
            name=data["name"],
            slug=data.get("slug") or None,
            description=data["description"],
            stage=data["stage"],
        )
        return _product_response(product, status_code=status.HTTP_201_CREATED)


class ProductDetailView(ApiView):
    @extend_schema(responses=s.ProductSerializer, summary="A product (ETag carries its version)")
    def get(self, request: Request, product_id: int) -> Response:
        return _product_response(access_product(request.user, product_id))

    @extend_schema(
        request=s.ProductUpdateSerializer,
        parameters=[
            OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description='The version, e.g. "3"')
        ],
        responses=s.ProductSerializer,
        summary="Change a product (editor); needs `version` or If-Match",
    )
    def patch(self, request: Request, product_id: int) -> Response:
        product = access_product(request.user, product_id, write=True)
        data = validated(s.ProductUpdateSerializer, request.data)
        header_version = _if_match_version(request)
        version = data.pop("version", None)
        if version is None and header_version is None:
            raise ValidationError(
                "Send the version you edited (a 'version' field or an If-Match header), "
                "so concurrent edits are not lost.",
                fields={"version": ["This field is required (or send If-Match)."]},
            )
        product = services.product_update(
            actor=Actor.from_request(request),
            product=product,
            version=header_version if header_version is not None else version,
            precondition=header_version is not None,
            **data,
        )
        return _product_response(product)


class ProductArchiveView(ApiView):
    @extend_schema(request=s.VersionSerializer, responses=s.ProductSerializer, summary="Archive a product (editor)")
    def post(self, request: Request, product_id: int) -> Response:
        product = access_product(request.user, product_id, write=True)
        data = validated(s.VersionSerializer, request.data)
        return _product_response(
            services.product_archive(actor=Actor.from_request(request), product=product, version=data.get("version"))
        )


class ProductRestoreView(ApiView):
    @extend_schema(
        request=s.VersionSerializer, responses=s.ProductSerializer, summary="Restore an archived product (editor)"
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = access_product(request.user, product_id, write=True)
        data = validated(s.VersionSerializer, request.data)
        return _product_response(
            services.product_restore(actor=Actor.from_request(request), product=product, version=data.get("version"))
        )


# --- activity -----------------------------------------------------------------


class ProductActivityView(ApiView):
    pagination_class = NewestFirstPagination

    @extend_schema(responses=s.ActivityEventSerializer(many=True), summary="History of a product, newest first")
    def get(self, request: Request, product_id: int) -> Response:
        product = access_product(request.user, product_id)
        return self.paginate(selectors.activity_of_object(product), s.ActivityEventSerializer)


class WorkspaceActivityView(ApiView):
    pagination_class = NewestFirstPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("actor", OpenApiTypes.INT, description="User id"),
            OpenApiParameter("action", OpenApiTypes.STR),
            OpenApiParameter("kind", OpenApiTypes.STR, description="Object kind, e.g. product, membership"),
            OpenApiParameter("product", OpenApiTypes.INT),
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
        ],
        responses=s.ActivityEventSerializer(many=True),
        summary="Activity of a workspace, newest first",
    )
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(request.user, workspace_id=workspace_id)
        params = validated(s.ActivityFilterSerializer, request.query_params)
        events = selectors.activity_of_workspace(
            workspace,
            actor_id=params.get("actor"),
            action=params.get("action"),
            kind=params.get("kind"),
            product_id=params.get("product"),
            since=params.get("since"),
            until=params.get("until"),
        )
        return self.paginate(events, s.ActivityEventSerializer)


# --- tokens -------------------------------------------------------------------


class ApiTokenListView(ApiView):
    pagination_class = None

    @extend_schema(responses=s.ApiTokenSerializer(many=True), summary="Your API tokens")
    def get(self, request: Request) -> Response:
        return Response(s.ApiTokenSerializer(selectors.api_tokens_of(request.user), many=True).data)

    @extend_schema(
        request=s.ApiTokenCreateSerializer,
        responses={201: s.ApiTokenCreatedSerializer},
        summary="Create an API token (secret shown once)",
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            raise PermissionDenied("API tokens are created from a signed-in browser session, not with another token.")
        data = validated(s.ApiTokenCreateSerializer, request.data)
        token, raw = services.api_token_create(
            user=request.user, name=data["name"], scope=data["scope"], expires_at=data.get("expires_at")
        )
        token.token = raw
        return Response(s.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class ApiTokenDetailView(ApiView):
    @extend_schema(responses={204: None}, summary="Revoke an API token")
    def delete(self, request: Request, token_id: int) -> Response:
        services.api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
