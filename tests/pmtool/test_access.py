"""pmtool.permissions.access_object and can_remove_member."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from pmtool.errors import NotFound, PermissionDenied
from pmtool.models import Membership, Product, Role
from pmtool.permissions import Access, access_object, can_remove_member
from strategy.models import Persona

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.mark.parametrize(("who", "role"), [("admin", Role.ADMIN), ("editor", Role.EDITOR), ("viewer", Role.VIEWER)])
def test_members_get_the_object_and_their_role_as_a_typed_value(
    team: Any, product: Product, who: str, role: Role
) -> None:
    access = access_object(team.user(who), Product.objects.all(), product.pk, what="product")
    assert isinstance(access, Access) and access.obj == product and access.role is role
    assert access.can_edit == (role != Role.VIEWER) and access.can_manage == (role == Role.ADMIN)
    assert not hasattr(access.obj, "my_role") and not hasattr(access.obj, "_access_role")


def test_outsiders_anonymous_and_missing_ids_are_the_same_not_found(team: Any, product: Product) -> None:
    messages = set()
    for user, pk in ((team.outsider, product.pk), (AnonymousUser(), product.pk), (team.admin, product.pk + 999)):
        with pytest.raises(NotFound) as caught:
            access_object(user, Product.objects.all(), pk, what="product")
        messages.add(caught.value.message)
    assert messages == {"Product not found."}


def test_write_needs_an_editor(team: Any, product: Product) -> None:
    assert access_object(team.editor, Product.objects.all(), product.pk, what="product", write=True).can_edit
    with pytest.raises(PermissionDenied) as caught:
        access_object(
            team.viewer, Product.objects.all(), product.pk, what="product", write=True, action="rename products"
        )
    assert caught.value.message == "Only an editor or admin of this workspace can rename products."


def test_a_nested_object_names_the_path_to_its_workspace(team: Any, product: Product) -> None:
    persona = Persona.objects.create(product=product, name="Pat")
    access = access_object(
        team.viewer, Persona.objects.all(), persona.pk, what="persona", workspace_field="product__workspace_id"
    )
    assert access.obj == persona and access.role is Role.VIEWER
    with pytest.raises(NotFound, match=r"^Persona not found\.$"):
        access_object(
            team.outsider, Persona.objects.all(), persona.pk, what="persona", workspace_field="product__workspace_id"
        )


def test_access_object_is_one_query(team: Any, product: Product, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        access_object(team.editor, Product.objects.select_related("workspace"), product.pk, what="product")


def test_you_may_leave_otherwise_only_an_admin_removes(team: Any) -> None:
    m = {
        who: Membership.objects.get(workspace=team.workspace, user=team.user(who))
        for who in ("admin", "editor", "viewer")
    }
    assert can_remove_member(m["viewer"], m["viewer"])  # leaving
    assert can_remove_member(m["editor"], m["editor"])
    assert can_remove_member(m["admin"], m["viewer"]) and can_remove_member(m["admin"], m["editor"])
    assert not can_remove_member(m["editor"], m["viewer"])
    assert not can_remove_member(m["viewer"], m["admin"])
    assert not can_remove_member(None, m["viewer"])
    elsewhere = Membership.objects.get(workspace=team.other_workspace, user=team.outsider)
    assert not can_remove_member(elsewhere, m["viewer"])  # an admin of another workspace
