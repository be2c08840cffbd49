from django.urls import path

from .. import converters  # noqa: F401 - registers the <id:> converter
from . import views as v
from .schema_view import CachedSchemaView

urlpatterns = [
    path("schema/", CachedSchemaView.as_view(), name="api-schema"),
    path("me/", v.MeView.as_view(), name="api-me"),
    path("workspaces/", v.WorkspaceListView.as_view(), name="api-workspaces"),
    path("workspaces/<id:workspace_id>/", v.WorkspaceDetailView.as_view(), name="api-workspace"),
    path("workspaces/<id:workspace_id>/members/", v.MemberListView.as_view(), name="api-members"),
    path("workspaces/<id:workspace_id>/members/<id:membership_id>/", v.MemberDetailView.as_view(), name="api-member"),
    path("workspaces/<id:workspace_id>/invitations/", v.InvitationListView.as_view(), name="api-invitations"),
    path(
        "workspaces/<id:workspace_id>/invitations/<id:invitation_id>/",
        v.InvitationDetailView.as_view(),
        name="api-invitation",
    ),
    path(
        "workspaces/<id:workspace_id>/invitations/<id:invitation_id>/resend/",
        v.InvitationResendView.as_view(),
        name="api-invitation-resend",
    ),
    path("workspaces/<id:workspace_id>/products/", v.ProductListView.as_view(), name="api-products"),
    path("workspaces/<id:workspace_id>/activity/", v.WorkspaceActivityView.as_view(), name="api-workspace-activity"),
    path("products/<id:product_id>/", v.ProductDetailView.as_view(), name="api-product"),
    path("products/<id:product_id>/archive/", v.ProductArchiveView.as_view(), name="api-product-archive"),
    path("products/<id:product_id>/restore/", v.ProductRestoreView.as_view(), name="api-product-restore"),
    path("products/<id:product_id>/activity/", v.ProductActivityView.as_view(), name="api-product-activity"),
    path("tokens/", v.ApiTokenListView.as_view(), name="api-tokens"),
    path("tokens/<id:token_id>/", v.ApiTokenDetailView.as_view(), name="api-token"),
]
