"""Services of the core app: every write, its domain rules, its activity event, its side effects."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail, signing
from django.db import transaction
from django.urls import resolve
from django.utils import timezone
from django.utils.text import slugify
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pmtool import services
from pmtool.activity import Actor
from pmtool.cleaning import clean_slug
from pmtool.errors import Conflict, NotFound, ValidationError
from pmtool.models import ActivityEvent, ApiToken, Invitation, Membership, Product, Role, User, Workspace
from pmtool.versioning import StaleVersion
from tests.factories import ProductFactory, UserFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def events(target, action: str | None = None) -> list[ActivityEvent]:
    qs = ActivityEvent.objects.filter(target_id=target.pk, target_type__model=target._meta.model_name)
    if action:
        qs = qs.filter(action=action)
    return list(qs.order_by("created_at", "id"))


# --- workspaces ---------------------------------------------------------------


def test_workspace_create_makes_the_creator_admin_and_records_activity(team):
    workspace = services.workspace_create(actor=team.actor("viewer"), name="  Beta Labs ")

    assert workspace.name == "Beta Labs"
    assert workspace.slug == "beta-labs"
    assert workspace.created_by == team.viewer
    membership = Membership.objects.get(workspace=workspace)
    assert (membership.user, membership.role) == (team.viewer, Role.ADMIN)
    created = events(workspace, "created")
    assert len(created) == 1
    assert created[0].workspace == workspace
    assert created[0].actor_user == team.viewer
    assert created[0].actor_label == team.viewer.email
    assert created[0].changes == {"name": {"from": None, "to": "Beta Labs"}}
    added = events(membership, "member_added")
    assert [e.changes for e in added] == [{"role": {"from": None, "to": "admin"}}]


def test_workspace_create_derives_a_free_slug_and_refuses_a_taken_explicit_one(team):
    first = services.workspace_create(actor=team.actor(), name="Acme")  # "acme" is the team's
    assert first.slug == "acme-2"
    with pytest.raises(Conflict) as exc:
        services.workspace_create(actor=team.actor(), name="Another", slug="acme")
    assert "slug" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        services.workspace_create(actor=team.actor(), name="Bad", slug="Not A Slug")
    assert "slug" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        services.workspace_create(actor=team.actor(), name="   ")
    assert "name" in exc.value.fields


def test_workspace_create_needs_a_person(team):
    with pytest.raises(ValidationError):
        services.workspace_create(actor=Actor.for_system("seed"), name="Robots")
    assert not Workspace.objects.filter(name="Robots").exists()


def test_workspace_update_records_the_rename_once(team):
    ws = services.workspace_update(actor=team.actor(), workspace=team.workspace, name="Acme Corp")
    assert Workspace.objects.get(pk=ws.pk).name == "Acme Corp"
    services.workspace_update(actor=team.actor(), workspace=ws, name="Acme Corp")  # no change
    assert [e.changes for e in events(ws, "updated")] == [{"name": {"from": "Acme", "to": "Acme Corp"}}]


# --- members ------------------------------------------------------------------


def membership(team, who: str) -> Membership:
    return Membership.objects.get(workspace=team.workspace, user=getattr(team, who))


def test_membership_change_role_records_from_and_to(team):
    changed = services.membership_change_role(actor=team.actor(), membership=membership(team, "viewer"), role="editor")
    assert changed.role == Role.EDITOR
    assert membership(team, "viewer").role == Role.EDITOR
    [event] = events(changed, "role_changed")
    assert event.changes == {"role": {"from": "viewer", "to": "editor"}}
    assert event.workspace_id == team.workspace.pk
    # Same role again: nothing to record.
    services.membership_change_role(actor=team.actor(), membership=changed, role="editor")
    assert len(events(changed, "role_changed")) == 1


def test_membership_change_role_rejects_an_unknown_role(team):
    with pytest.raises(ValidationError) as exc:
        services.membership_change_role(actor=team.actor(), membership=membership(team, "viewer"), role="owner")
    assert "role" in exc.value.fields


def test_the_last_admin_cannot_be_demoted(team):
    with pytest.raises(Conflict) as exc:
        services.membership_change_role(actor=team.actor(), membership=membership(team, "admin"), role="editor")
    assert exc.value.code == "last_admin"
    assert exc.value.status_code == 409
    assert membership(team, "admin").role == Role.ADMIN


def test_the_last_admin_cannot_be_removed(team):
    with pytest.raises(Conflict) as exc:
        services.membership_remove(actor=team.actor(), membership=membership(team, "admin"))
    assert exc.value.code == "last_admin"
    assert Membership.objects.filter(workspace=team.workspace, user=team.admin).exists()


def test_with_a_second_admin_the_first_can_step_down_and_leave(team):
    services.membership_change_role(actor=team.actor(), membership=membership(team, "editor"), role="admin")

    services.membership_change_role(actor=team.actor(), membership=membership(team, "admin"), role="viewer")
    assert membership(team, "admin").role == Role.VIEWER
    # Now the editor-turned-admin is the only admin again.
    with pytest.raises(Conflict):
        services.membership_remove(actor=team.actor("editor"), membership=membership(team, "editor"))

    services.membership_change_role(actor=team.actor("editor"), membership=membership(team, "admin"), role="admin")
    gone = membership(team, "admin")
    services.membership_remove(actor=team.actor("admin"), membership=gone)
    assert not Membership.objects.filter(pk=gone.pk).exists()
    [event] = events(gone, "member_removed")
    assert event.changes == {"user": {"from": "admin@acme.test", "to": None}, "role": {"from": "admin", "to": None}}


def test_membership_remove_of_a_non_admin(team):
    viewer = membership(team, "viewer")
    services.membership_remove(actor=team.actor(), membership=viewer)
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    assert User.objects.filter(pk=team.viewer.pk).exists()  # the account stays
    assert len(events(viewer, "member_removed")) == 1


# --- invitations --------------------------------------------------------------


def invite(team, email: str = "new@example.test", role: str = Role.EDITOR) -> Invitation:
    return services.invitation_create(actor=team.actor(), workspace=team.workspace, email=email, role=role)


def test_invitation_create_records_activity_and_normalises_the_address(team):
    invitation = invite(team, email="  New.Person@Example.TEST ", role=Role.VIEWER)
    assert invitation.email == "new.person@example.test"
    assert invitation.role == Role.VIEWER
    assert invitation.invited_by == team.admin
    assert invitation.is_pending
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS - 1)
    [event] = events(invitation, "invited")
    assert event.changes == {
        "email": {"from": None, "to": "new.person@example.test"},
        "role": {"from": None, "to": "viewer"},
    }


def test_invitation_email_is_sent_only_after_commit_and_its_link_works(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(team)
    assert len(callbacks) == 1
    assert mail.outbox == []  # nothing leaves before the transaction commits

    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(team, email="second@example.test")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["second@example.test"]
    assert "Acme" in message.subject
    urls = re.findall(r"https?://\S+", message.body)
    assert len(urls) == 1, message.body
    path = urlsplit(urls[0]).path
    assert urls[0].startswith(settings.PMTOOL_BASE_URL.rstrip("/"))
    match = resolve(path)
    assert match.url_name == "invitation_accept"
    assert services.invitation_from_token(match.kwargs["token"]) == invitation
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_invitation_send_email_skips_an_invitation_no_longer_pending(team):
    invitation = invite(team)
    services.invitation_revoke(actor=team.actor(), invitation=invitation)
    assert services.invitation_send_email(invitation_id=invitation.pk) is None
    assert services.invitation_send_email(invitation_id=10**12) is None
    assert mail.outbox == []


def test_a_second_pending_invitation_of_the_same_address_is_a_conflict(team):
    invite(team, email="dup@example.test")
    with pytest.raises(Conflict) as exc:
        invite(team, email="DUP@example.test")
    assert "email" in exc.value.fields
    # Another workspace may invite the same address.
    services.invitation_create(
        actor=team.actor("outsider"), workspace=team.other_workspace, email="dup@example.test", role=Role.VIEWER
    )


def test_inviting_a_member_is_a_conflict(team):
    with pytest.raises(Conflict) as exc:
        invite(team, email="Viewer@Acme.test")
    assert exc.value.fields == {"email": ["Already a member."]}


def test_inviting_with_an_unknown_role_is_invalid(team):
    with pytest.raises(ValidationError) as exc:
        invite(team, role="owner")
    assert "role" in exc.value.fields


def test_an_expired_invitation_makes_way_for_a_new_one(team):
    old = invite(team)
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    new = invite(team)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.is_pending


def test_invitation_revoke_invalidates_the_link_once(team):
    invitation = invite(team)
    token = services.invitation_token(invitation)
    services.invitation_revoke(actor=team.actor(), invitation=invitation)
    services.invitation_revoke(actor=team.actor(), invitation=invitation)  # twice: no second event
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert len(events(invitation, "invitation_revoked")) == 1
    with pytest.raises(NotFound):
        services.invitation_from_token(token)
    # The address may be invited again.
    assert invite(team).pk != invitation.pk


def test_an_accepted_invitation_cannot_be_revoked(team):
    invitation = invite(team)
    newcomer = UserFactory(email="new@example.test")
    services.invitation_accept(invitation=invitation, user=newcomer)
    with pytest.raises(Conflict):
        services.invitation_revoke(actor=team.actor(), invitation=invitation)


def test_invitation_accept_by_the_invited_account(team):
    invitation = invite(team, role=Role.VIEWER)
    token = services.invitation_token(invitation)
    newcomer = UserFactory(email="new@example.test")

    membership = services.invitation_accept(invitation=services.invitation_from_token(token), user=newcomer)

    assert (membership.workspace, membership.user, membership.role) == (team.workspace, newcomer, Role.VIEWER)
    invitation.refresh_from_db()
    assert invitation.accepted_by == newcomer
    assert invitation.accepted_at is not None
    [event] = events(membership, "member_added")
    assert event.actor_user == newcomer
    # The link is used up.
    with pytest.raises(NotFound):
        services.invitation_from_token(token)
    with pytest.raises(Conflict):
        services.invitation_accept(invitation=invitation, user=newcomer)


def test_invitation_accept_by_another_account_is_refused(team):
    invitation = invite(team)
    with pytest.raises(Conflict) as exc:
        services.invitation_accept(invitation=invitation, user=team.outsider)
    assert exc.value.code == "wrong_account"
    assert not Membership.objects.filter(workspace=team.workspace, user=team.outsider).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_forged_and_expired_invitation_tokens_are_not_found(team):
    invitation = invite(team)
    token = services.invitation_token(invitation)
    assert services.invitation_from_token(token) == invitation

    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "",
        "not-a-token",
        # Correctly signed but naming a different nonce (e.g. a link from before a re-send).
        signing.dumps({"i": invitation.pk, "n": "old-nonce"}, salt="pmtool.invitation", compress=True),
        # Correctly signed, unknown invitation.
        signing.dumps({"i": 10**12, "n": invitation.nonce}, salt="pmtool.invitation", compress=True),
        # Correctly signed, wrong shape.
        signing.dumps({"x": 1}, salt="pmtool.invitation"),
        signing.dumps({"i": "abc", "n": invitation.nonce}, salt="pmtool.invitation"),
        # Signed for another purpose.
        signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt="something-else", compress=True),
    ]
    for bad in forged:
        with pytest.raises(NotFound):
            services.invitation_from_token(bad)

    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(NotFound):
        services.invitation_from_token(token)


def test_invitation_accept_new_user_creates_the_account(team):
    invitation = invite(team)
    user, membership = services.invitation_accept_new_user(
        invitation=invitation, name=" New Person ", password="a-long-unusual-passphrase-42"
    )
    assert user.email == "new@example.test"
    assert user.name == "New Person"
    assert user.check_password("a-long-unusual-passphrase-42")
    assert membership.user == user
    assert membership.role == Role.EDITOR


@pytest.mark.parametrize("password", ["short", "password123", "12345678901234"])
def test_invitation_accept_new_user_refuses_a_weak_password(team, password):
    invitation = invite(team)
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept_new_user(invitation=invitation, name="New", password=password)
    assert exc.value.fields["password"]
    assert not User.objects.filter(email="new@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_invitation_accept_new_user_when_the_account_exists(team):
    invitation = invite(team)
    UserFactory(email="new@example.test")
    with pytest.raises(Conflict):
        services.invitation_accept_new_user(invitation=invitation, name="New", password="a-long-unusual-passphrase-42")


# --- products -----------------------------------------------------------------


def test_product_create_derives_and_deduplicates_the_slug(team):
    atlas = services.product_create(actor=team.actor("editor"), workspace=team.workspace, name="Atlas")
    atlas2 = services.product_create(actor=team.actor("editor"), workspace=team.workspace, name="ATLAS!")
    atlas3 = services.product_create(actor=team.actor("editor"), workspace=team.workspace, name="atlas")
    assert [atlas.slug, atlas2.slug, atlas3.slug] == ["atlas", "atlas-2", "atlas-3"]
    # Slugs are per workspace.
    other = services.product_create(actor=team.actor("outsider"), workspace=team.other_workspace, name="Atlas")
    assert other.slug == "atlas"
    # Nothing sluggable in the name: a fallback.
    assert services.product_create(actor=team.actor(), workspace=team.workspace, name="★★★").slug == "product"


def test_product_create_records_activity(team):
    product = services.product_create(
        actor=team.actor("editor"), workspace=team.workspace, name="Atlas", description=" Maps ", stage="growth"
    )
    assert (product.stage, product.description, product.version, product.created_by) == (
        "growth",
        "Maps",
        1,
        team.editor,
    )
    [event] = events(product, "created")
    assert event.product_id == product.pk
    assert event.workspace_id == team.workspace.pk
    assert event.changes == {
        "name": {"from": None, "to": "Atlas"},
        "description": {"from": None, "to": "Maps"},
        "stage": {"from": None, "to": "growth"},
        "slug": {"from": None, "to": "atlas"},
    }


def test_product_create_with_a_taken_explicit_slug_is_a_conflict(team, product):
    with pytest.raises(Conflict) as exc:
        services.product_create(actor=team.actor(), workspace=team.workspace, name="Other", slug="atlas")
    assert "slug" in exc.value.fields
    assert Product.objects.filter(workspace=team.workspace).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "X", "stage": "retired"}, "stage"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "X", "description": "d" * 5001}, "description"),
        ({"name": "X", "slug": "Has Spaces"}, "slug"),
        ({"name": "X", "slug": "-leading"}, "slug"),
    ],
)
def test_product_create_rejects_bad_input(team, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.product_create(actor=team.actor(), workspace=team.workspace, **kwargs)
    assert field in exc.value.fields
    assert not Product.objects.exists()
    assert not ActivityEvent.objects.filter(action="created", target_type__model="product").exists()


def test_product_update_records_each_change_and_bumps_the_version(team, product):
    updated = services.product_update(
        actor=team.actor("editor"),
        product=product,
        version=1,
        name="Atlas Maps",
        stage="maturity",
        description="A product for tests.",  # unchanged
    )
    assert updated.version == 2
    assert (updated.name, updated.stage) == ("Atlas Maps", "maturity")
    stored = Product.objects.get(pk=product.pk)
    assert (stored.name, stored.stage, stored.version) == ("Atlas Maps", "maturity", 2)
    assert stored.updated_at >= product.updated_at
    [event] = events(product, "updated")
    assert event.changes == {
        "name": {"from": "Atlas", "to": "Atlas Maps"},
        "stage": {"from": "growth", "to": "maturity"},
    }
    assert event.actor_user == team.editor
    assert event.product_id == product.pk


def test_product_update_through_a_token_names_the_token(team, product):
    token, _raw = services.api_token_create(user=team.editor, name="Jira sync")
    services.product_update(actor=Actor(user=team.editor, token=token), product=product, version=1, name="Atlas 2")
    [event] = events(product, "updated")
    assert event.actor_token == token
    assert event.actor_label == "editor@acme.test (API token Jira sync)"


def test_a_no_op_update_records_nothing_and_keeps_the_version(team, product):
    same = services.product_update(
        actor=team.actor(), product=product, version=1, name="Atlas", stage="growth", slug="atlas"
    )
    assert same.version == 1
    assert Product.objects.get(pk=product.pk).version == 1
    assert events(product, "updated") == []


def test_product_update_with_a_stale_version_is_a_conflict(team, product):
    services.product_update(actor=team.actor(), product=product, version=1, name="First")
    with pytest.raises(Conflict) as exc:
        services.product_update(actor=team.actor(), product=product, version=1, name="Second")
    assert exc.value.code == "stale_version"
    assert exc.value.status_code == 409
    assert Product.objects.get(pk=product.pk).name == "First"


def test_product_update_with_a_stale_precondition_fails(team, product, api_as):
    """The service raises StaleVersion with the current product; over If-Match the API answers 412."""
    services.product_update(actor=team.actor(), product=product, version=1, name="First")
    with pytest.raises(StaleVersion) as exc:
        services.product_update(actor=team.actor(), product=product, version=1, name="Second")
    assert exc.value.code == "stale_version"
    assert (exc.value.current.name, exc.value.current_version, exc.value.expected) == ("First", 2, 1)
    url = f"/api/v1/products/{product.pk}/"
    response = api_as(team.editor).patch(url, {"name": "Second"}, format="json", HTTP_IF_MATCH='"1"')
    assert (response.status_code, response.json()["error"]["code"]) == (412, "stale_version")
    assert Product.objects.get(pk=product.pk).name == "First"
    # The current version passes.
    response = api_as(team.editor).patch(url, {"name": "S"}, format="json", HTTP_IF_MATCH='"2"')
    assert (response.status_code, response.json()["version"]) == (200, 3)


def test_product_update_slug_rules(team, product):
    ProductFactory(workspace=team.workspace, name="Borealis", slug="borealis")
    with pytest.raises(Conflict):
        services.product_update(actor=team.actor(), product=product, version=1, slug="borealis")
    with pytest.raises(ValidationError):
        services.product_update(actor=team.actor(), product=product, version=1, slug="Bad Slug")
    with pytest.raises(ValidationError):
        services.product_update(actor=team.actor(), product=product, version=1, stage="retired")
    renamed = services.product_update(actor=team.actor(), product=product, version=1, slug="atlas-maps")
    assert renamed.slug == "atlas-maps"
    assert [e.changes for e in events(product, "updated")] == [{"slug": {"from": "atlas", "to": "atlas-maps"}}]


def test_product_archive_and_restore(team, product):
    archived = services.product_archive(actor=team.actor("editor"), product=product, version=1)
    assert archived.is_archived
    assert archived.version == 2
    again = services.product_archive(actor=team.actor("editor"), product=archived)
    assert again.version == 2  # archiving twice changes nothing
    [event] = events(product, "archived")
    assert event.changes == {"archived_at": {"from": None, "to": archived.archived_at.isoformat()}}

    with pytest.raises(Conflict) as exc:
        services.product_restore(actor=team.actor(), product=product, version=1)
    assert exc.value.code == "stale_version"

    restored = services.product_restore(actor=team.actor(), product=product, version=2)
    assert not restored.is_archived
    assert restored.version == 3
    assert Product.objects.get(pk=product.pk).archived_at is None
    [event] = events(product, "restored")
    assert event.changes == {"archived_at": {"from": archived.archived_at.isoformat(), "to": None}}
    services.product_restore(actor=team.actor(), product=restored)
    assert len(events(product, "restored")) == 1


def test_product_archive_with_a_stale_version_is_a_conflict(team, product):
    services.product_update(actor=team.actor(), product=product, version=1, name="Changed")
    with pytest.raises(Conflict):
        services.product_archive(actor=team.actor(), product=product, version=1)
    assert Product.objects.get(pk=product.pk).archived_at is None


# --- slug helper (property) ---------------------------------------------------

SLUG = re.compile(r"\A[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?\Z")

names = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=130),
    # Long names over a small alphabet: slugs that need truncating, hyphens and underscores at the cut.
    st.text(st.sampled_from("ab9 -_.!Éø"), min_size=50, max_size=130),
)
slugs = st.from_regex(r"\A[a-z0-9](?:[a-z0-9_-]{0,58}[a-z0-9])?\Z")


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=names, repeats=st.integers(min_value=1, max_value=4), other=st.lists(slugs, max_size=6))
def test_unique_slug_is_always_a_valid_free_slug(team, name, repeats, other):
    """Creating `repeats` products of the same name among `other` slugs: every slug valid, short, new."""
    with transaction.atomic():
        workspace = WorkspaceFactory()
        Product.objects.bulk_create(
            [Product(workspace=workspace, name=s, slug=s) for s in dict.fromkeys(other)],
        )
        siblings = Product.objects.filter(workspace=workspace)
        for _ in range(repeats):
            taken = set(siblings.values_list("slug", flat=True))
            slug = services._unique_slug(siblings, name, fallback="product")
            assert slug not in taken
            assert 1 <= len(slug) <= 60
            assert SLUG.match(slug), slug
            assert "--" not in slug
            assert clean_slug(slug) == slug  # the app accepts its own slugs back
            assert slug[0] == (slugify(name) or "product")[0]
            Product.objects.create(workspace=workspace, name=name[:120], slug=slug)
        transaction.set_rollback(True)


def test_unique_slug_of_long_names_keeps_counting(team):
    """Truncated names collide on the shortened stem: each new product still gets a free slug."""
    name = "A very long product name that goes on and on well past sixty characters"
    made = [services.product_create(actor=team.actor(), workspace=team.workspace, name=name) for _ in range(12)]
    slugs_made = [p.slug for p in made]
    assert len(set(slugs_made)) == 12
    assert all(len(s) <= 60 for s in slugs_made)
    assert slugs_made[1].endswith("-2")
    assert slugs_made[11].endswith("-12")


# --- API tokens ---------------------------------------------------------------


def test_api_token_create_returns_the_secret_once_and_stores_only_its_hash(team):
    token, raw = services.api_token_create(user=team.editor, name=" CI ", scope="read")
    assert raw.startswith(services.TOKEN_PREFIX)
    assert len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.name == "CI"
    assert stored.scope == "read"
    assert stored.user == team.editor
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.prefix == raw[:10]
    assert raw.startswith(stored.prefix)
    # The secret itself is in no column.
    for field in ApiToken._meta.concrete_fields:
        assert raw not in str(getattr(stored, field.attname))
    assert not hasattr(stored, "token")

    _, raw2 = services.api_token_create(user=team.editor, name="CI")
    assert raw2 != raw


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "ok", "scope": "admin"}, "scope"),
        ({"name": "ok", "expires_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
    ],
)
def test_api_token_create_rejects_bad_input(team, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.api_token_create(user=team.editor, **kwargs)
    assert field in exc.value.fields
    assert not ApiToken.objects.exists()


def test_api_token_authenticate(team):
    token, raw = services.api_token_create(user=team.editor, name="CI")
    found = services.api_token_authenticate(raw)
    assert found == token
    assert found.user == team.editor
    assert services.api_token_authenticate(raw + "x") is None
    assert services.api_token_authenticate("") is None
    assert services.api_token_authenticate(token.token_hash) is None  # the hash is not the secret


def test_api_token_revoke(team):
    token, raw = services.api_token_create(user=team.editor, name="CI")
    with pytest.raises(NotFound):
        services.api_token_revoke(user=team.admin, token_id=token.pk)  # not theirs
    with pytest.raises(NotFound):
        services.api_token_revoke(user=team.editor, token_id=10**12)
    assert services.api_token_authenticate(raw) is not None

    revoked = services.api_token_revoke(user=team.editor, token_id=token.pk)
    assert revoked.revoked_at is not None
    first = revoked.revoked_at
    assert services.api_token_revoke(user=team.editor, token_id=token.pk).revoked_at == first
    assert services.api_token_authenticate(raw) is None


def test_an_expired_token_or_inactive_user_does_not_authenticate(team):
    token, raw = services.api_token_create(
        user=team.editor, name="CI", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert services.api_token_authenticate(raw) == token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.api_token_authenticate(raw) is None

    _token2, raw2 = services.api_token_create(user=team.viewer, name="CI")
    User.objects.filter(pk=team.viewer.pk).update(is_active=False)
    assert services.api_token_authenticate(raw2) is None


def test_last_used_at_is_written_at_most_once_a_minute(team, django_assert_num_queries):
    token, raw = services.api_token_create(user=team.editor, name="CI")
    assert token.last_used_at is None

    with django_assert_num_queries(2):  # read + one UPDATE
        services.api_token_authenticate(raw)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None

    with django_assert_num_queries(1):  # read only
        services.api_token_authenticate(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first

    earlier = timezone.now() - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    with django_assert_num_queries(2):
        services.api_token_authenticate(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > earlier


@pytest.mark.parametrize("field", ["name", "description"])
def test_product_create_refuses_nul_characters(team, field):
    values = {"name": "Atlas", "description": "", field: "bad\x00value"}
    with pytest.raises(ValidationError) as error:
        services.product_create(actor=team.actor(), workspace=team.workspace, **values)
    assert field in error.value.fields
    assert not Product.objects.filter(workspace=team.workspace).exists()


def test_invitation_email_is_sent_once_and_resend_mails_again(team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(actor=team.actor(), workspace=team.workspace, email="new@acme.test")
    assert len(mail.outbox) == 1
    # A second delivery of the same task (retry, redelivery) does not mail again.
    assert services.invitation_send_email(invitation_id=invitation.pk) is None
    assert len(mail.outbox) == 1

    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(actor=team.actor(), invitation=invitation)
    assert len(mail.outbox) == 2
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS - 1)
    event = ActivityEvent.objects.filter(action="invitation_resent").get()
    assert event.target_id == invitation.pk


def test_resending_a_revoked_invitation_is_a_conflict(team):
    invitation = services.invitation_create(actor=team.actor(), workspace=team.workspace, email="new@acme.test")
    services.invitation_revoke(actor=team.actor(), invitation=invitation)
    with pytest.raises(Conflict):
        services.invitation_resend(actor=team.actor(), invitation=invitation)


def test_an_explicit_slug_in_capitals_is_lowercased(team):
    product = services.product_create(actor=team.actor(), workspace=team.workspace, name="Mobile", slug="Mobile-App")
    assert product.slug == "mobile-app"
    with pytest.raises(ValidationError):
        services.product_create(actor=team.actor(), workspace=team.workspace, name="Bad", slug="mobile app!")


def test_product_update_requires_the_version(team, product):
    """No "last write wins": an update without a version is a 400 naming it, and changes nothing."""
    with pytest.raises(ValidationError) as exc:
        services.product_update(actor=team.actor(), product=product, version=None, name="Blind")  # type: ignore[arg-type]
    assert "version" in exc.value.fields
    assert Product.objects.get(pk=product.pk).name == "Atlas"
