"""HTML pages: form errors beside fields, edit conflicts, htmx partials, invitations,
password reset, sign in/out, error pages, security headers, the shell, and the
project-level checks (seed_demo, check --deploy, makemigrations)."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import string
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from pmtool import services
from pmtool.models import (
    ActivityEvent,
    ApiToken,
    Invitation,
    Membership,
    Product,
    Role,
    User,
    Workspace,
)

from ..factories import ProductFactory

pytestmark = pytest.mark.django_db

HUGE = "x" * 10_000
ROOT = Path(__file__).resolve().parents[2]
HTMX = {"HX-Request": "true"}


# --- HTML helpers -------------------------------------------------------------------


class _FieldBlocks(HTMLParser):
    """Each <div class="field ..."> of a page: its classes, the tags inside, its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict[str, Any]] = []
        self._open: list[tuple[int, dict[str, Any]]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "div":
            self._depth += 1
            classes = attributes.get("class", "").split()
            if "field" in classes:
                self._open.append((self._depth, {"classes": classes, "tags": [], "text": []}))
        for _depth, block in self._open:
            block["tags"].append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        if tag != "div":
            return
        if self._open and self._open[-1][0] == self._depth:
            self.blocks.append(self._open.pop()[1])
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        for _depth, block in self._open:
            block["text"].append(data)


def field_blocks(html: str) -> dict[str, dict[str, Any]]:
    """{field name: its block} for every form field on the page."""
    parser = _FieldBlocks()
    parser.feed(html)
    found = {}
    for block in parser.blocks:
        for _tag, attrs in block["tags"]:
            if attrs.get("name") and _tag in {"input", "select", "textarea"}:
                found[attrs["name"]] = block
                break
    return found


def assert_field_error(
    response: Any, name: str, text: str | None = None, *, status: int = 400, summary: bool = True
) -> str:
    """The error is shown beside field `name`: in its block, linked by aria-describedby."""
    assert response.status_code == status, response.status_code
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    blocks = field_blocks(html)
    assert name in blocks, f"no field {name!r} on the page"
    block = blocks[name]
    assert "field-invalid" in block["classes"], block["classes"]
    errorlists = [a for tag, a in block["tags"] if tag == "ul" and "errorlist" in a.get("class", "")]
    assert errorlists, f"no errorlist beside {name!r}"
    control = next(a for tag, a in block["tags"] if a.get("name") == name)
    assert control.get("aria-invalid") == "true"
    assert errorlists[0]["id"] in control.get("aria-describedby", "").split()
    message = " ".join("".join(block["text"]).split())
    if text is not None:
        assert text in message, message
    if summary:
        # A summary above the form tells the user to look below.
        assert 'class="form-errors"' in html
    return message


def assert_no_inline_code(html: str) -> None:
    """The pages satisfy our strict CSP: no inline script, style or event handler."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style[\s>]", html), "inline <style>"
    assert not re.search(r"\sstyle=", html), "style= attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert not re.search(r"(?:src|href)=\"https?://", html), "asset from another host"


def input_value(html: str, name: str) -> str | None:
    for match in re.finditer(r"<(input|textarea)\b([^>]*)>", html):
        attrs = match.group(2)
        if re.search(rf'\bname="{re.escape(name)}"', attrs):
            if match.group(1) == "textarea":
                rest = html[match.end() :]
                return rest[: rest.index("</textarea>")].strip()
            value = re.search(r'\bvalue="([^"]*)"', attrs)
            return value.group(1) if value else None
    return None


# --- form errors beside their fields -----------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": HUGE}, "name", "at most 120 characters"),
        ({"name": "a\x00b"}, "name", "Null characters are not allowed"),
        ({"name": "Ok", "slug": "Not A Slug!"}, "slug", "valid"),
        ({"name": "Ok", "slug": "x" * 61}, "slug", "at most 60 characters"),
        ({"name": "Ok", "slug": "atlas"}, "slug", "Already used in this workspace"),
        ({"name": "Ok", "stage": "teenage"}, "stage", "Select a valid choice"),
        ({"name": "Ok", "description": "d" * 5001}, "description", "at most 5000 characters"),
    ],
    ids=["empty", "blank", "huge", "nul", "bad-slug", "long-slug", "duplicate-slug", "bad-stage", "long-description"],
)
def test_product_create_form_errors(signed_in: Any, product: Product, data: dict, field: str, text: str) -> None:
    client = signed_in("editor")
    response = client.post("/w/acme/products/new/", {"stage": "idea", "description": "", "slug": "", **data})
    assert_field_error(response, field, text)
    # What the user typed is kept (except a huge or binary value we do not echo differently).
    if field == "slug" and data["slug"] != "x" * 61:
        assert input_value(response.content.decode(), "slug") == data["slug"]
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": HUGE}, "name", "at most 120 characters"),
        ({"slug": "Not A Slug!"}, "slug", "valid"),
        ({"slug": "beacon"}, "slug", "Already used in this workspace"),
    ],
    ids=["empty", "huge", "bad-slug", "duplicate-slug"],
)
def test_product_edit_form_errors(signed_in: Any, product: Product, data: dict, field: str, text: str) -> None:
    ProductFactory(workspace=product.workspace, name="Beacon", slug="beacon")
    client = signed_in("editor")
    form = {"name": "Atlas", "slug": "atlas", "stage": "growth", "description": "", "version": 1, **data}
    response = client.post("/w/acme/products/atlas/edit/", form)
    assert_field_error(response, field, text)
    product.refresh_from_db()
    assert (product.name, product.slug, product.version) == ("Atlas", "atlas", 1)


def test_product_create_and_edit_succeed(signed_in: Any, team: Any) -> None:
    client = signed_in("editor")
    response = client.post("/w/acme/products/new/", {"name": "Nimbus", "slug": "", "stage": "launch"})
    assert response.status_code == 302
    assert response["Location"] == "/w/acme/products/nimbus/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Nimbus" in page.content.decode()
    assert "Product “Nimbus” created." in page.content.decode()
    edit = client.get("/w/acme/products/nimbus/edit/")
    assert input_value(edit.content.decode(), "version") == "1"
    response = client.post(
        "/w/acme/products/nimbus/edit/",
        {"name": "Nimbus Cloud", "slug": "nimbus", "stage": "growth", "description": "Sync.", "version": 1},
    )
    assert response.status_code == 302
    product = Product.objects.get(slug="nimbus")
    assert (product.name, product.stage, product.version) == ("Nimbus Cloud", "growth", 2)


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": HUGE}, "name", "at most 120 characters"),
        ({"name": "Globex", "slug": "Not A Slug!"}, "slug", "valid"),
        ({"name": "Globex", "slug": "acme"}, "slug", "exists already"),
    ],
    ids=["empty", "huge", "bad-slug", "duplicate-slug"],
)
def test_workspace_create_form_errors(signed_in: Any, data: dict, field: str, text: str) -> None:
    client = signed_in("editor")
    response = client.post("/workspaces/new/", {"slug": "", **data})
    assert_field_error(response, field, text)
    assert Workspace.objects.count() == 2


def test_workspace_create_succeeds(signed_in: Any, team: Any) -> None:
    client = signed_in("viewer")
    response = client.post("/workspaces/new/", {"name": "Globex Labs", "slug": ""})
    assert response.status_code == 302
    assert response["Location"] == "/w/globex-labs/"  # the new workspace's home
    assert Membership.objects.get(workspace__slug="globex-labs", user=team.viewer).role == Role.ADMIN


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"email": ""}, "email", "required"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"email": f"{HUGE}@acme.test"}, "email", "at most 254"),
        ({"email": "viewer@acme.test"}, "email", "Already a member"),
        ({"email": "new@acme.test", "role": "owner"}, "role", "Select a valid choice"),
    ],
    ids=["empty", "bad", "huge", "member", "bad-role"],
)
def test_invite_form_errors(signed_in: Any, data: dict, field: str, text: str) -> None:
    client = signed_in("admin")
    response = client.post("/w/acme/settings/members/", {"role": "editor", **data})
    assert_field_error(response, field, text)
    assert not Invitation.objects.exists()


def test_invite_twice_is_an_error_beside_the_email(signed_in: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = signed_in("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/w/acme/settings/members/", {"email": "new@acme.test", "role": "viewer"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    response = client.post("/w/acme/settings/members/", {"email": "NEW@acme.test", "role": "viewer"})
    assert_field_error(response, "email", "Already invited")
    assert Invitation.objects.count() == 1


def test_only_admins_invite(signed_in: Any) -> None:
    response = signed_in("editor").post("/w/acme/settings/members/", {"email": "new@acme.test", "role": "viewer"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": HUGE}, "name", "at most 80 characters"),
        ({"name": "CI", "scope": "root"}, "scope", "Select a valid choice"),
        ({"name": "CI", "expires_in": "7"}, "expires_in", "Select a valid choice"),
    ],
    ids=["empty", "huge", "bad-scope", "bad-expiry"],
)
def test_token_form_errors(signed_in: Any, data: dict, field: str, text: str) -> None:
    response = signed_in("editor").post("/account/tokens/", {"scope": "write", "expires_in": "", **data})
    assert_field_error(response, field, text)
    assert not ApiToken.objects.exists()


def test_token_page_shows_the_secret_once(signed_in: Any, team: Any) -> None:
    client = signed_in("editor")
    response = client.post("/account/tokens/", {"name": "Jira sync", "scope": "read", "expires_in": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token"[^>]*>(pmt_[^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=team.editor)
    assert token.token_hash == services.api_token_hash(secret)
    assert token.expires_at is not None
    again = client.get("/account/tokens/").content.decode()
    assert secret not in again
    assert "Jira sync" in again
    # Revoke from the page.
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_activity_filter_errors_are_shown(signed_in: Any) -> None:
    response = signed_in("viewer").get("/w/acme/activity/?since=notadate")
    assert_field_error(response, "since", "is not a date", summary=False)


# --- edit conflicts ------------------------------------------------------------------


def test_an_edit_posted_without_its_version_is_400_and_saves_nothing(signed_in: Any, product: Product) -> None:
    """The version is a required hidden field: a form without it never overwrites (no last-write-wins)."""
    form = {"name": "Atlas Blind", "slug": "atlas", "stage": "growth", "description": ""}
    for version in ({}, {"version": ""}, {"version": "x"}):
        response = signed_in("editor").post("/w/acme/products/atlas/edit/", {**form, **version})
        assert response.status_code == 400
        assert "sent without the version you opened" in response.content.decode()
    product.refresh_from_db()
    assert (product.name, product.version) == ("Atlas", 1)


def test_edit_conflict_shows_saved_values_and_keeps_the_users_input(
    signed_in: Any, team: Any, product: Product
) -> None:
    client = signed_in("editor")
    form_page = client.get("/w/acme/products/atlas/edit/")
    assert form_page.status_code == 200
    version = input_value(form_page.content.decode(), "version")
    assert version == "1"

    # Someone else saves first.
    services.product_update(
        actor=team.actor("admin"), product=product, version=1, name="Atlas Pro", description="Their description."
    )

    mine = {"name": "Atlas Mine", "slug": "atlas", "stage": "maturity", "description": "My description.", "version": 1}
    response = client.post("/w/acme/products/atlas/edit/", mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this product" in html
    conflict = html[html.index('class="card conflict"') : html.index("</section>", html.index('class="card conflict"'))]
    # What is saved now…
    assert "Atlas Pro" in conflict
    assert "Their description." in conflict
    assert "version 2" in conflict
    # …beside what the user typed, which is still in the form.
    assert input_value(html, "name") == "Atlas Mine"
    assert input_value(html, "description") == "My description."
    assert 'value="maturity" selected' in html
    # Saving again applies the user's edit on top of version 2.
    assert input_value(html, "version") == "2"
    product.refresh_from_db()
    assert (product.name, product.version) == ("Atlas Pro", 2)

    response = client.post("/w/acme/products/atlas/edit/", {**mine, "version": 2})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.description, product.stage, product.version) == (
        "Atlas Mine",
        "My description.",
        "maturity",
        3,
    )


# --- htmx partials -------------------------------------------------------------------


def test_product_list_returns_only_the_table_to_htmx(signed_in: Any, product: Product) -> None:
    client = signed_in("viewer")
    full = client.get("/w/acme/products/").content.decode()
    assert "<html" in full and 'id="product-table"' in full and 'class="filters"' in full
    response = client.get("/w/acme/products/?q=atl", headers=HTMX)
    assert response.status_code == 200
    fragment = response.content.decode().strip()
    assert fragment.startswith('<div id="product-table"')
    assert "Atlas" in fragment
    for shell_part in ("<html", "<body", 'class="sidenav"', 'class="filters"', 'class="topbar"'):
        assert shell_part not in fragment
    empty = client.get("/w/acme/products/?q=zzz", headers=HTMX).content.decode()
    assert "No products match" in empty


def test_product_list_survives_odd_query_strings(signed_in: Any, product: Product) -> None:
    client = signed_in("viewer")
    for query in ("q=a%00b", f"q={HUGE}", "stage=%00", "view=%00", "page=abc", "page=99999999999999999999", "page=-1"):
        response = client.get(f"/w/acme/products/?{query}")
        assert response.status_code in {200, 400}, (query, response.status_code)


def test_member_role_change_over_htmx_returns_the_row(signed_in: Any, team: Any) -> None:
    client = signed_in("admin")
    membership = Membership.objects.get(workspace=team.workspace, user=team.editor)
    response = client.post(f"/w/acme/settings/members/{membership.pk}/role/", {"role": "viewer"}, headers=HTMX)
    assert response.status_code == 200
    row = response.content.decode().strip()
    assert row.startswith(f'<tr id="member-{membership.pk}"')
    assert row.endswith("</tr>")
    assert "<html" not in row
    assert 'value="viewer" selected' in row
    assert "Saved" in row
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_demoting_the_last_admin_shows_the_inline_error(signed_in: Any, team: Any) -> None:
    client = signed_in("admin")
    membership = Membership.objects.get(workspace=team.workspace, user=team.admin)
    response = client.post(f"/w/acme/settings/members/{membership.pk}/role/", {"role": "editor"}, headers=HTMX)
    assert response.status_code == 409
    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="member-{membership.pk}"')
    assert 'class="inline-error" role="alert"' in row
    assert "at least one admin" in row
    assert 'value="admin" selected' in row  # the select shows the role that stayed
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN
    # Without htmx: back to the page, with the message.
    response = client.post(f"/w/acme/settings/members/{membership.pk}/role/", {"role": "editor"}, follow=True)
    assert "at least one admin" in response.content.decode()


def test_removing_the_last_admin_is_refused(signed_in: Any, team: Any) -> None:
    client = signed_in("admin")
    membership = Membership.objects.get(workspace=team.workspace, user=team.admin)
    response = client.post(f"/w/acme/settings/members/{membership.pk}/remove/", follow=True)
    assert response.status_code == 200
    assert "last admin cannot be removed" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_only_admins_change_roles(signed_in: Any, team: Any) -> None:
    membership = Membership.objects.get(workspace=team.workspace, user=team.viewer)
    response = signed_in("editor").post(
        f"/w/acme/settings/members/{membership.pk}/role/", {"role": "admin"}, headers=HTMX
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


# --- invitations ---------------------------------------------------------------------


@pytest.fixture
def invite(team: Any) -> Any:
    def make(email: str, role: str = Role.EDITOR) -> tuple[Invitation, str]:
        invitation = services.invitation_create(
            actor=team.actor("admin"), workspace=team.workspace, email=email, role=role
        )
        return invitation, f"/invitations/{services.invitation_token(invitation)}/"

    return make


def test_new_person_sets_name_and_password_and_lands_signed_in(client: Any, invite: Any) -> None:
    invitation, url = invite("newbie@example.test", Role.VIEWER)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Join Acme" in html
    assert "newbie@example.test" in html
    assert {"name", "password1", "password2"} <= set(field_blocks(html))

    response = client.post(url, {"name": "Nina Newbie", "password1": "long-enough-pass-42", "password2": "x"})
    assert_field_error(response, "password2", "differ")
    response = client.post(url, {"name": "Nina Newbie", "password1": "123", "password2": "123"})
    assert_field_error(response, "password1", "too short")
    response = client.post(url, {"name": "", "password1": "p", "password2": "p"})
    assert_field_error(response, "name", "required")
    assert not User.objects.filter(email="newbie@example.test").exists()

    response = client.post(
        url, {"name": "Nina Newbie", "password1": "long-enough-pass-42", "password2": "long-enough-pass-42"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/w/acme/"
    user = User.objects.get(email="newbie@example.test")
    assert user.name == "Nina Newbie"
    assert user.check_password("long-enough-pass-42")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert Membership.objects.get(workspace__slug="acme", user=user).role == Role.VIEWER
    landing = client.get(response["Location"])
    assert landing.status_code == 200
    assert "Welcome to Acme, Nina Newbie." in landing.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    # The link is spent.
    client.logout()
    assert client.get(url).status_code == 404


def test_existing_account_must_sign_in_to_accept(client: Any, team: Any, invite: Any) -> None:
    _invitation, url = invite("outsider@other.test")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sign in to accept" in html
    login_url = f"/account/login/?next={url}"
    assert f'href="{login_url}"' in html
    assert "password1" not in html
    # Posting the new-account form anyway creates nothing.
    client.post(url, {"name": "X", "password1": "long-enough-pass-42", "password2": "long-enough-pass-42"})
    assert not Membership.objects.filter(workspace=team.workspace, user=team.outsider).exists()

    response = client.post(login_url, {"username": "outsider@other.test", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response["Location"] == url
    page = client.get(url)
    assert "Accept invitation" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == "/w/acme/"
    assert Membership.objects.get(workspace=team.workspace, user=team.outsider).role == Role.EDITOR


def test_wrong_account_is_told(signed_in: Any, team: Any, invite: Any) -> None:
    _invitation, url = invite("someone.else@example.test")
    client = signed_in("outsider")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "You are signed in as outsider@other.test" in html
    assert "this invitation is for someone.else@example.test" in html
    response = client.post(url, follow=True)
    assert "This invitation is for someone.else@example.test" in response.content.decode()
    assert not Membership.objects.filter(workspace=team.workspace, user=team.outsider).exists()
    assert Invitation.objects.get(email="someone.else@example.test").accepted_at is None


@pytest.mark.parametrize("how", ["expired", "revoked", "accepted", "forged", "tampered", "other-key", "bad-nonce"])
def test_unusable_invitation_links_get_a_friendly_404(client: Any, team: Any, invite: Any, how: str) -> None:
    invitation, url = invite("late@example.test")
    if how == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    elif how == "revoked":
        services.invitation_revoke(actor=team.actor("admin"), invitation=invitation)
    elif how == "accepted":
        user = services.user_create(email="late@example.test", password="long-enough-pass-42")
        services.invitation_accept(invitation=invitation, user=user)
    elif how == "forged":
        url = "/invitations/not-a-real-token/"
    elif how == "tampered":
        token = services.invitation_token(invitation)
        url = f"/invitations/{token[:-2]}{'A' if token[-2] != 'A' else 'B'}{token[-1]}/"
    elif how == "other-key":
        token = signing.dumps({"i": invitation.pk, "n": invitation.nonce}, key="x" * 50, salt="pmtool.invitation")
        url = f"/invitations/{token}/"
    elif how == "bad-nonce":
        token = signing.dumps({"i": invitation.pk, "n": "guess"}, salt="pmtool.invitation", compress=True)
        url = f"/invitations/{token}/"
    for response in (client.get(url), client.post(url, {"name": "X", "password1": "p", "password2": "p"})):
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert "This invitation cannot be used" in html
        assert "Traceback" not in html
    if how != "accepted":
        assert not Membership.objects.filter(workspace=team.workspace, user__email="late@example.test").exists()


# --- accounts ------------------------------------------------------------------------


def test_password_reset_by_email_end_to_end(client: Any, team: Any) -> None:
    response = client.post("/account/password-reset/", {"email": "Editor@Acme.test"})
    assert response.status_code == 302
    assert response["Location"] == "/account/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["editor@acme.test"]
    link = re.search(r"http://testserver(/account/reset/\S+/)", message.body).group(1)

    response = client.get(link)
    assert response.status_code == 302  # Django hides the token behind a session redirect
    set_password_url = response["Location"]
    page = client.get(set_password_url)
    assert page.status_code == 200
    assert {"new_password1", "new_password2"} <= set(field_blocks(page.content.decode()))
    response = client.post(set_password_url, {"new_password1": "short", "new_password2": "short"})
    assert_field_error(response, "new_password2", "too short", status=200)
    response = client.post(
        set_password_url, {"new_password1": "a-brand-new-secret-7", "new_password2": "a-brand-new-secret-7"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/reset/done/"
    assert client.get(response["Location"]).status_code == 200

    # The link works once.
    assert "Enter new password" not in client.get(link, follow=True).content.decode()

    client.logout()
    old = client.post("/account/login/", {"username": "editor@acme.test", "password": "correct-horse-battery"})
    assert old.status_code == 200
    assert "_auth_user_id" not in client.session
    new = client.post("/account/login/", {"username": "editor@acme.test", "password": "a-brand-new-secret-7"})
    assert new.status_code == 302
    assert int(client.session["_auth_user_id"]) == team.editor.pk


def test_password_reset_does_not_reveal_accounts(client: Any, team: Any) -> None:
    response = client.post("/account/password-reset/", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert response["Location"] == "/account/password-reset/sent/"
    assert mail.outbox == []


def test_sign_in_and_out(client: Any, team: Any, product: Product) -> None:
    page = client.get("/account/login/")
    assert page.status_code == 200
    assert {"username", "password"} <= set(field_blocks(page.content.decode()))

    wrong = client.post("/account/login/", {"username": "viewer@acme.test", "password": "nope"})
    assert wrong.status_code == 200
    assert "That e-mail and password do not match an account" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post("/account/login/", {"username": "VIEWER@acme.test", "password": "correct-horse-battery"})
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 302
    assert home["Location"] == "/w/acme/"
    assert "Atlas" in client.get(home["Location"]).content.decode()

    # Sign out is a POST (a GET cannot sign anyone out from a link or an <img>).
    assert client.get("/account/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    assert "_auth_user_id" not in client.session
    after = client.get("/w/acme/products/")
    assert after.status_code == 302
    assert after["Location"].startswith("/account/login/?next=")


def test_signed_in_user_is_sent_past_the_login_page(signed_in: Any) -> None:
    response = signed_in("viewer").get("/account/login/")
    assert response.status_code == 302


# --- error pages ---------------------------------------------------------------------


def _assert_error_page(response: Any, status: int, *texts: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<html" in html
    assert f'<p class="error-code">{status}</p>' in html
    for text in texts:
        assert text in html, text
    assert 'href="/"' in html  # a way back
    assert "Traceback" not in html
    return html


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page/",
        "/w/nope/products/",
        "/w/other/products/",  # exists, but not the viewer's: same answer
        "/w/acme/products/no-such-product/",
        "/w/acme/settings/members/99999999999999999999/role/",
        "/account/tokens/99999999999999999999/revoke/",
    ],
)
def test_friendly_404_pages(signed_in: Any, path: str) -> None:
    html = _assert_error_page(signed_in("viewer").get(path), 404, "Not found", "There is nothing here")
    assert "Secret" not in html and "Other Co" not in html


def test_friendly_404_for_anonymous_visitors(client: Any) -> None:
    _assert_error_page(client.get("/no-such-page/"), 404, "Not found")


@pytest.mark.parametrize(
    ("method", "path", "text"),
    [
        ("get", "/w/acme/products/new/", "Only an editor or admin of this workspace can create products."),
        ("get", "/w/acme/products/atlas/edit/", "Only an editor or admin of this workspace can change products."),
        ("post", "/w/acme/products/atlas/archive/", "Only an editor or admin of this workspace can archive products."),
        ("post", "/w/acme/settings/", "Only an admin of this workspace can rename the workspace."),
    ],
)
def test_friendly_403_pages(signed_in: Any, product: Product, method: str, path: str, text: str) -> None:
    response = getattr(signed_in("viewer"), method)(path, {"name": "X"} if method == "post" else None)
    _assert_error_page(response, 403, "Not allowed", text)
    product.refresh_from_db()
    assert product.archived_at is None


def test_csrf_failure_is_a_friendly_page(team: Any) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    _assert_error_page(client.post("/w/acme/products/new/", {"name": "X"}), 403, "Form expired")
    assert not Product.objects.exists()


def test_500_page_is_friendly() -> None:
    from pmtool.views import error_500

    request = RequestFactory().get("/w/acme/products/")
    response = error_500(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    api = error_500(RequestFactory().get("/api/v1/me/"))
    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"


# --- shell, headers, sections --------------------------------------------------------


def test_security_headers_on_a_page(signed_in: Any, product: Product) -> None:
    response = signed_in("viewer").get("/w/acme/products/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_headers_on_anonymous_and_error_pages(client: Any) -> None:
    for response in (client.get("/account/login/"), client.get("/no-such-page/")):
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/w/acme/products/",
        "/w/acme/products/?view=all",
        "/w/acme/products/atlas/",
        "/w/acme/products/atlas/edit/",
        "/w/acme/products/new/",
        "/w/acme/activity/",
        "/w/acme/settings/",
        "/w/acme/settings/members/",
        "/w/acme/strategy/",
        "/workspaces/",
        "/workspaces/new/",
        "/account/tokens/",
        "/account/password/",
        "/no-such-page/",
    ],
)
def test_pages_satisfy_the_csp(signed_in: Any, product: Product, path: str) -> None:
    client = signed_in("admin")
    response = client.get(path)
    assert response.status_code in {200, 404}
    assert_no_inline_code(response.content.decode())


def test_anonymous_pages_satisfy_the_csp(client: Any) -> None:
    for path in ("/account/login/", "/account/password-reset/"):
        response = client.get(path)
        assert response.status_code == 200
        assert_no_inline_code(response.content.decode())


def test_static_files_are_served_by_the_app(signed_in: Any) -> None:
    client = signed_in("viewer")
    html = client.get("/w/acme/products/").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {a.rsplit(".", 1)[-1] for a in assets} >= {"css", "js", "svg"}
    assert any("htmx" in a for a in assets)  # htmx comes from django-htmx, not a CDN
    for path in assets:
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"".join(response.streaming_content), path


@pytest.mark.parametrize("section", ["backlog", "roadmaps", "feedback"])
def test_sections_not_built_yet_say_so(signed_in: Any, section: str) -> None:
    response = signed_in("viewer").get(f"/w/acme/{section}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not built yet" in html
    assert f"<h1>{section.title()}</h1>" in html
    assert f'class="nav-{section}" aria-current="page"' in html


def test_shell_navigation_and_workspace_switcher(signed_in: Any, team: Any) -> None:
    Membership.objects.create(workspace=team.other_workspace, user=team.viewer, role=Role.VIEWER)
    html = signed_in("viewer").get("/w/acme/products/").content.decode()
    for label in ("Home", "Products", "Strategy", "Backlog", "Roadmaps", "Feedback", "Metrics", "Activity", "Settings"):
        assert f">{label}</a>" in html, label
    assert 'class="nav-products" aria-current="page"' in html
    assert 'href="/w/other/"' in html  # the switcher offers the other workspace's home
    assert 'class="skip-link" href="#main"' in html


def test_account_pages_keep_the_shell_of_the_workspace_they_are_reached_from(signed_in: Any, team: Any) -> None:
    client = signed_in("editor")
    alone = client.get("/account/tokens/").content.decode()
    assert 'class="sidenav"' not in alone and "switcher" not in alone  # no workspace visited yet
    client.get("/w/acme/settings/")
    for path in ("/account/tokens/", "/account/password/"):
        html = client.get(path).content.decode()
        assert 'class="sidenav"' in html, path
        assert '<span class="switcher-name">Acme</span>' in html, path
        assert 'href="/w/acme/activity/"' in html, path
    tokens = client.get("/account/tokens/").content.decode()
    assert 'class="nav-settings" aria-current="page"' in tokens
    assert 'href="/account/tokens/" aria-current="page">API tokens</a>' in tokens  # its Settings tab
    # Removed from the workspace since: the page shows without it, not an error.
    Membership.objects.filter(workspace=team.workspace, user=team.editor).delete()
    response = client.get("/account/tokens/")
    assert response.status_code == 200
    assert 'class="sidenav"' not in response.content.decode()


def test_anonymous_pages_redirect_to_sign_in(client: Any, team: Any) -> None:
    for path in ("/", "/w/acme/products/", "/account/tokens/", "/workspaces/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/account/login/?next=")


# --- project checks ------------------------------------------------------------------


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "workspaces": Workspace.objects.count(),
        "memberships": Membership.objects.count(),
        "products": Product.objects.count(),
        "archived": Product.objects.filter(archived_at__isnull=False).count(),
        "events": ActivityEvent.objects.count(),
    }


def test_seed_demo_is_idempotent() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    assert "ada@demo.pmtool.dev" in out.getvalue()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == first
    workspace = Workspace.objects.get(slug="acme")
    roles = Counter(Membership.objects.filter(workspace=workspace).values_list("role", flat=True))
    assert roles == {Role.ADMIN: 1, Role.EDITOR: 1, Role.VIEWER: 1}
    assert first["products"] >= 5
    assert first["archived"] == 1
    assert User.objects.get(email="ada@demo.pmtool.dev").check_password("pmtool-demo")


def test_seed_demo_completes_a_partial_demo() -> None:
    call_command("seed_demo", stdout=StringIO())
    full = _counts()
    Product.objects.filter(name="Beacon Mobile").delete()
    Membership.objects.filter(user__email="vera@demo.pmtool.dev").delete()
    call_command("seed_demo", stdout=StringIO())
    now = _counts()
    assert {k: now[k] for k in ("users", "workspaces", "memberships", "products")} == {
        k: full[k] for k in ("users", "workspaces", "memberships", "products")
    }


def _clean_env(**values: str) -> dict[str, str]:
    """This process's environment without what the test settings injected, plus `values`."""
    injected = {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_PRELOAD",
        "TRUST_X_FORWARDED_PROTO",
        "REDIS_URL",
        "DJANGO_SETTINGS_MODULE",
        "EMAIL_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by tests/e2e for Playwright; Django flags it in check --deploy
    }
    env = {k: v for k, v in os.environ.items() if k not in injected}
    return {**env, **values}


def test_check_deploy_with_production_settings_is_clean(tmp_path: Path) -> None:
    alphabet = string.ascii_letters + string.digits + string.punctuation.replace("'", "").replace('"', "")
    secret = "".join(secrets.choice(alphabet) for _ in range(50))
    env = _clean_env(
        DEBUG="0",
        SECRET_KEY=secret,
        ALLOWED_HOSTS="pmtool.example.com",
        DJANGO_SETTINGS_MODULE="pmtool.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_serve_without_a_secret_key() -> None:
    env = _clean_env(DEBUG="0", ALLOWED_HOSTS="pmtool.example.com", DJANGO_SETTINGS_MODULE="pmtool.settings")
    # The web application does not start ...
    result = subprocess.run(
        [sys.executable, "-c", "import pmtool.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    # ... and `manage.py check` says why (as a warning: key-less commands like makemigrations still run).
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "pmtool.W001" in result.stderr + result.stdout


def test_no_missing_migrations(tmp_path: Path) -> None:
    env = _clean_env(
        DEBUG="1", DJANGO_SETTINGS_MODULE="pmtool.settings", DATABASE_URL=f"sqlite:///{tmp_path / 'm.sqlite3'}"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sign_in_is_throttled_after_repeated_failures(client, team, settings):
    from django.core.cache import cache

    cache.clear()
    settings.LOGIN_FAILURES_PER_EMAIL = 3
    for _ in range(3):
        response = client.post("/account/login/", {"username": team.editor.email, "password": "wrong"})
        assert response.status_code == 200
    # Blocked now, even with the right password; the form says why.
    response = client.post(
        "/account/login/", {"username": team.editor.email.upper(), "password": "correct-horse-battery"}
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address from the same client is not blocked by that address's failures.
    response = client.post("/account/login/", {"username": team.viewer.email, "password": "correct-horse-battery"})
    assert response.status_code == 302
    cache.clear()


def test_activity_page_with_invalid_filters_shows_errors_and_no_unfiltered_events(client, team, product):
    client.force_login(team.admin)
    response = client.get("/w/acme/activity/", {"since": "not-a-date"})
    assert response.status_code == 400
    assert response.context["page"].paginator.count == 0
    assert "“From” is not a date" in response.content.decode()
