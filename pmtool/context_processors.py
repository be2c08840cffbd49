from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .permissions import can_edit_content, can_manage_workspace

NAV_SECTIONS = (
    ("home", "Home", "workspace_home"),
    ("products", "Products", "product_list"),
    ("strategy", "Strategy", "strategy:home"),
    ("backlog", "Backlog", "backlog:home"),
    ("roadmaps", "Roadmaps", "roadmaps:home"),
    ("feedback", "Feedback", "feedback:home"),
    ("metrics", "Metrics", "strategy:metrics"),
    ("activity", "Activity", "activity"),
    ("settings", "Settings", "settings_general"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The shell's navigation: current workspace, the switcher, the sections (lazy)."""
    workspace = getattr(request, "workspace", None)
    user = getattr(request, "user", None)
    if workspace is None or user is None or not user.is_authenticated:
        return {"current_workspace": None}

    def switcher() -> list[dict[str, Any]]:
        from .selectors import workspace_switcher

        return workspace_switcher(user)

    role = getattr(request, "role", None)  # set with the workspace by pmtool.views.workspace_page
    match = getattr(request, "resolver_match", None)
    url_name = match.view_name if match else ""
    active = (
        url_name.split(":")[0]
        if ":" in url_name
        else {
            "workspace_home": "home",
            "product_list": "products",
            "product_create": "products",
            "product_detail": "products",
            "product_edit": "products",
            "activity": "activity",
            "settings_general": "settings",
            "settings_members": "settings",
            "tokens": "settings",  # reached from a workspace, the tokens page is one of its Settings tabs
        }.get(url_name, "")
    )
    return {
        "current_workspace": workspace,
        "workspace_switcher": switcher,
        "nav_sections": NAV_SECTIONS,
        "nav_active": "metrics" if url_name == "strategy:metrics" else active,
        "current_role": role,
        "can_edit": can_edit_content(role),
        "can_manage": can_manage_workspace(role),
    }
