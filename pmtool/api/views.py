"""Core API: workspaces, members, invitations, products, activity, tokens. Thin:
validate input → access_* (authorise) → service or selector → serialize."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from ..activity import Actor
from ..errors import NotFound, PermissionDenied
from ..models import ApiToken, Product, Role, User
from ..permissions import (
    access_membership,
    access_pending_invitation,
    access_workspace,
    can_remove_member,
    product_access,
    workspace_access,
)
from . import serializers as s
from .base import ApiView
from .pagination import NameCursorPagination, NewestFirstPagination
from .serializers import validated
from .versioned import IF_MATCH, VersionSerializer, versioned_response, write_with_version


def signed_in(request: Request) -> User:
    """The authenticated user of an API request (every endpoint here requires one)."""
    user = request.user
    if not isinstance(user, User):
        raise NotFound("Not found.")
    return user


# --- me and workspaces --------------------------------------------------------


class MeView(ApiView):
    @extend_schema(responses=s.MeSerializer, summary="The signed-in user")
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request.user).data)


class WorkspaceListView(ApiView):
    pagination_class = NameCursorPagination

    @extend_schema(responses=s.WorkspaceSerializer(many=True), summary="Workspaces you belong to")
    def get(self, request: Request) -> Response:
        return self.paginate(selectors.workspaces_for_user(signed_in(request)), s.WorkspaceSerializer)

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
        setattr(workspace, "my_role", Role.ADMIN)  # noqa: B010 - WorkspaceSerializer's `role` (its creator is admin)
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
        workspace = workspace_access(request.user, workspace_id=workspace_id).obj
        membership = access_membership(request.user, membership_id, workspace=workspace)
        if not can_remove_member(selectors.membership_of(workspace, request.user), membership):
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


def _product_response(product: Product, *, status_code: int = status.HTTP_200_OK) -> Response:
    return versioned_response(s.ProductSerializer(product).data, product.version, status_code=status_code)


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
        workspace = workspace_access(
            request.user, workspace_id=workspace_id, minimum=Role.EDITOR, what="create products"
        ).obj
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
        return _product_response(product_access(request.user, product_id).obj)

    @extend_schema(
        request=s.ProductUpdateSerializer,
        parameters=[IF_MATCH],
        responses=s.ProductSerializer,
        summary="Change a product (editor); needs `version` or If-Match",
    )
    def patch(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True).obj
        data = validated(s.ProductUpdateSerializer, request.data)
        actor = Actor.from_request(request)
        return write_with_version(
            request,
            data,
            lambda version: services.product_update(actor=actor, product=product, version=version, **data),
            _product_response,
        )


def _set_archived(request: Request, product_id: int, service: Callable[..., Product]) -> Response:
    """Archive or restore (`service`), checked against the optional body `version`."""
    product = product_access(request.user, product_id, write=True).obj
    version = validated(VersionSerializer, request.data).get("version")
    return _product_response(service(actor=Actor.from_request(request), product=product, version=version))


class ProductArchiveView(ApiView):
    @extend_schema(request=VersionSerializer, responses=s.ProductSerializer, summary="Archive a product (editor)")
    def post(self, request: Request, product_id: int) -> Response:
        return _set_archived(request, product_id, services.product_archive)


class ProductRestoreView(ApiView):
    @extend_schema(
        request=VersionSerializer, responses=s.ProductSerializer, summary="Restore an archived product (editor)"
    )
    def post(self, request: Request, product_id: int) -> Response:
        return _set_archived(request, product_id, services.product_restore)


# --- activity -----------------------------------------------------------------


class ProductActivityView(ApiView):
    pagination_class = NewestFirstPagination

    @extend_schema(responses=s.ActivityEventSerializer(many=True), summary="History of a product, newest first")
    def get(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id).obj
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
        return Response(s.ApiTokenSerializer(selectors.api_tokens_of(signed_in(request)), many=True).data)

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
            user=signed_in(request), name=data["name"], scope=data["scope"], expires_at=data.get("expires_at")
        )
        setattr(token, "token", raw)  # noqa: B010 - shown once by ApiTokenCreatedSerializer, never stored
        return Response(s.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class ApiTokenDetailView(ApiView):
    @extend_schema(responses={204: None}, summary="Revoke an API token")
    def delete(self, request: Request, token_id: int) -> Response:
        services.api_token_revoke(user=signed_in(request), token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
