from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from . import (
    converters,  # noqa: F401 - registers the <id:> converter
    views,
)

handler400 = "pmtool.views.error_400"
handler403 = "pmtool.views.error_403"
handler404 = "pmtool.views.error_404"
handler500 = "pmtool.views.error_500"

account_patterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/", views.remembered_workspace(auth_views.PasswordChangeView.as_view()), name="password_change"),
    path(
        "password/done/",
        views.remembered_workspace(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]

workspace_patterns: list[URLPattern | URLResolver] = [
    path("", views.workspace_home, name="workspace_home"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
    path("products/<slug:slug>/edit/", views.product_edit, name="product_edit"),
    path("products/<slug:slug>/archive/", views.product_archive, name="product_archive"),
    path("products/<slug:slug>/restore/", views.product_restore, name="product_restore"),
    path("activity/", views.activity, name="activity"),
    path("settings/", views.settings_general, name="settings_general"),
    path("settings/members/", views.settings_members, name="settings_members"),
    path("settings/members/<id:membership_id>/role/", views.member_role, name="member_role"),
    path("settings/members/<id:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("settings/invitations/<id:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/invitations/<id:invitation_id>/resend/", views.invitation_resend, name="invitation_resend"),
    path("", include("strategy.urls")),
    path("", include("backlog.urls")),
    path("", include("roadmaps.urls")),
    path("", include("feedback.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("account/", include(account_patterns)),
    path("workspaces/", views.workspace_list, name="workspace_list"),
    path("workspaces/new/", views.workspace_create, name="workspace_create"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("w/<slug:ws>/", include(workspace_patterns)),
    path("api/v1/", include("pmtool.api.urls")),
    path("api/v1/", include("strategy.api.urls")),
    path("api/v1/", include("backlog.api.urls")),
    # JSON: Swagger UI parses it several times faster than the YAML default (bench/api_docs.py).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url="/api/v1/schema/?format=json"), name="api-docs"),
    path("api/", RedirectView.as_view(pattern_name="api-docs", permanent=False)),
]
