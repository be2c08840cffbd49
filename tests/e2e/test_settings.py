"""Workspace settings, members, invitations, API tokens and the activity page in the browser."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from pmtool.models import ApiToken, Membership, Role

pytestmark = pytest.mark.browser


def test_admin_changes_a_role_with_the_select(web, signed_in, team):
    page = signed_in(team.admin)
    page.goto("/w/acme/settings/members/")
    expect(page.get_by_role("heading", name=re.compile("Members"))).to_be_visible()
    page.evaluate("window.__noReload = true")

    editor_row = page.get_by_role("row", name=re.compile(team.editor.email))
    with page.expect_response(lambda r: "/role/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label(f"Role of {team.editor.display_name}").select_option("viewer")
    expect(editor_row.get_by_role("status")).to_have_text("Saved")
    expect(page.get_by_label(f"Role of {team.editor.display_name}")).to_have_value("viewer")
    assert page.evaluate("window.__noReload") is True
    assert Membership.objects.get(workspace=team.workspace, user=team.editor).role == Role.VIEWER
    web.shot(page, "20-members-saved")

    # The last admin cannot step down: the row says why, and the select shows the real role.
    admin_row = page.get_by_role("row", name=re.compile(team.admin.email))
    page.get_by_label(f"Role of {team.admin.display_name}").select_option("editor")
    expect(admin_row.get_by_role("alert")).to_contain_text("at least one admin")
    expect(page.get_by_label(f"Role of {team.admin.display_name}")).to_have_value("admin")
    assert Membership.objects.get(workspace=team.workspace, user=team.admin).role == Role.ADMIN
    web.shot(page, "21-members-last-admin")


def test_admin_invites_someone_and_sees_it_pending(web, signed_in, team):
    page = signed_in(team.admin)
    page.goto("/w/acme/settings/members/")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".field", has=page.get_by_label("E-mail")).locator(".errorlist")).to_be_visible()

    page.get_by_label("E-mail").fill("newcomer@acme.test")
    page.locator("#id_role").select_option("viewer")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to newcomer@acme.test")
    pending = page.get_by_role("region", name="Pending invitations")
    expect(pending).to_contain_text("newcomer@acme.test")
    assert any("newcomer@acme.test" in m.to for m in mail.outbox)
    web.shot(page, "22-members-settings")


def test_viewer_sees_members_read_only(web, signed_in, team):
    page = signed_in(team.viewer)
    page.goto("/w/acme/settings/members/")
    expect(page.get_by_role("row", name=re.compile(team.admin.email))).to_be_visible()
    expect(page.get_by_role("combobox")).to_have_count(0)
    expect(page.get_by_role("button", name="Send invitation")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove")).to_have_count(0)
    expect(page.get_by_role("button", name="Leave")).to_have_count(1)
    page.goto("/w/acme/settings/")
    expect(page.get_by_text("Only admins can change workspace settings.")).to_be_visible()
    web.shot(page, "23-settings-general-viewer")


def test_api_token_is_shown_once_and_can_be_revoked(web, signed_in, team):
    page = signed_in(team.editor)
    page.goto("/account/tokens/")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    web.shot(page, "24-tokens-empty")
    page.get_by_label("Name").fill("Jira sync")
    page.get_by_label("Expires").select_option("90")
    page.get_by_role("button", name="Create token").click()

    secret = page.locator("#new-token").inner_text().strip()
    assert len(secret) > 20
    token = ApiToken.objects.get(user=team.editor, name="Jira sync")
    assert secret not in {getattr(token, f.attname) for f in ApiToken._meta.concrete_fields}
    expect(page.get_by_role("row", name=re.compile("Jira sync"))).to_contain_text("never")
    web.shot(page, "25-tokens-created")

    # Reloading does not show the secret again.
    page.goto("/account/tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("row", name=re.compile("Jira sync")).get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("revoked")
    expect(page.get_by_role("row", name=re.compile("Jira sync"))).to_contain_text("revoked")


def test_activity_page_lists_and_filters_events(web, signed_in, team):
    page = signed_in(team.admin)
    page.goto("/w/acme/products/new/")
    page.get_by_label("Name").fill("Helios")
    page.get_by_role("button", name="Create product").click()
    page.goto("/w/acme/settings/members/")
    page.get_by_label(f"Role of {team.viewer.display_name}").select_option("editor")
    expect(page.get_by_role("row", name=re.compile(team.viewer.email)).get_by_role("status")).to_have_text("Saved")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Activity").click()
    events = page.locator(".history-item")
    expect(events).to_have_count(2)
    expect(events.first).to_contain_text("role changed")
    web.shot(page, "26-activity")

    page.get_by_label("Object").select_option("product")
    page.get_by_role("button", name="Filter").click()
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("Helios")
    expect(page).to_have_url(re.compile(r"kind=product"))


def test_workspace_list_and_create(web, signed_in, team):
    page = signed_in(team.admin)
    page.goto("/workspaces/")
    expect(page.get_by_role("heading", name="Your workspaces")).to_be_visible()
    expect(page.get_by_role("link", name="Acme")).to_be_visible()
    web.shot(page, "27-workspace-list")

    page.get_by_role("link", name="New workspace").first.click()
    page.get_by_role("button", name="Create workspace").click()
    expect(page.locator(".field", has=page.get_by_label("Name")).locator(".errorlist")).to_be_visible()
    web.shot(page, "28-workspace-form-errors")
    page.get_by_label("Name").fill("Skunkworks")
    page.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(re.compile(r"/w/skunkworks/$"))  # the new workspace's home
    expect(page.get_by_role("status")).to_contain_text("Skunkworks")

    # The switcher lists both workspaces.
    page.locator("details.switcher > summary").click()
    menu = page.get_by_role("menu")
    expect(menu.get_by_role("menuitem", name=re.compile("Acme"))).to_be_visible()
    expect(menu.get_by_role("menuitem", name=re.compile("Skunkworks"))).to_have_attribute("aria-current", "true")
    web.shot(page, "29-workspace-switcher", full_page=False)


def test_invited_person_sets_a_password_and_lands_in_the_workspace(web, signed_in, team):
    admin = signed_in(team.admin)
    admin.goto("/w/acme/settings/members/")
    admin.get_by_label("E-mail").fill("grace@acme.test")
    admin.locator("#id_role").select_option("editor")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_role("status")).to_contain_text("Invitation sent")
    message = next(m for m in mail.outbox if "grace@acme.test" in m.to)
    path = re.search(r"https?://[^/\s]+(/invitations/[^\s]+/)", message.body).group(1)

    page = web.page()
    page.goto(path)
    expect(page.get_by_role("heading", name="Join Acme")).to_be_visible()
    page.get_by_role("button", name="Create account and join").click()
    expect(page.locator(".field", has=page.get_by_label("Your name")).locator(".errorlist")).to_be_visible()
    web.shot(page, "28b-invitation-accept-errors")
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Password", exact=True).fill("a-long-secret-for-grace")
    page.get_by_label("Password again").fill("a-long-secret-for-grace")
    page.get_by_role("button", name="Create account and join").click()
    expect(page).to_have_url(re.compile(r"/w/acme/$"))
    expect(page.get_by_role("status")).to_contain_text("Welcome to Acme, Grace Hopper")
    expect(page.get_by_role("link", name="New product")).to_be_visible()  # an editor
    assert Membership.objects.get(workspace=team.workspace, user__email="grace@acme.test").role == Role.EDITOR
