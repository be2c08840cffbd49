"""Query counts of every list page and list endpoint (after Zulip's assert_database_query_count).

Each surface is requested with 5 rows and again with 60: both stay within the same bound, and the
count does not move at all with the number of rows. The bounds are the measured counts (tight):
a change that adds a query per request must update the table below on purpose, and one that adds a
query per row fails.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from itertools import count
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from pmtool import services
from pmtool.models import ActivityEvent, Invitation, Membership, Product, Role, User, Workspace
from tests.harness import queries as querycount
from tests.harness.queries import api, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                                         max queries (5 rows or 60)
    "page: products":                                 6,
    "page: workspaces":                               3,
    "page: members (with invitations)":               6,
    "page: workspace activity":                       9,  # + the kinds of object its filter offers
    "page: product detail (with history)":            6,
    "page: API tokens":                               3,
    "page: API tokens (in a workspace's shell)":      5,
    "api: products":                                  2,
    "api: workspaces":                                1,
    "api: members":                                   2,
    "api: invitations":                               2,
    "api: workspace activity":                        2,
    "api: product activity":                          2,
    "api: tokens":                                    1,
}
# fmt: on

measure = partial(querycount.measure, BOUNDS)

_seq = count(1)


# --- growing rows -----------------------------------------------------------------


def add_products(workspace: Workspace, n: int) -> None:
    now = timezone.now()
    Product.objects.bulk_create(
        Product(
            workspace=workspace,
            name=f"Product {i:04d}",
            slug=f"product-{i}",
            stage="growth",
            description="Something worth building.",
            archived_at=None,
            updated_at=now,
        )
        for i in (next(_seq) for _ in range(n))
    )


def add_users(n: int) -> list[User]:
    return User.objects.bulk_create(
        User(email=f"person{i}@example.test", name=f"Person {i}") for i in (next(_seq) for _ in range(n))
    )


def add_members(workspace: Workspace, n: int) -> None:
    Membership.objects.bulk_create(
        Membership(workspace=workspace, user=user, role=(Role.EDITOR, Role.VIEWER, Role.ADMIN)[i % 3])
        for i, user in enumerate(add_users(n))
    )


def add_invitations(workspace: Workspace, inviter: User, n: int) -> None:
    inviters = [inviter, *add_users(2)]
    Invitation.objects.bulk_create(
        Invitation(
            workspace=workspace,
            email=f"invitee{i}@example.test",
            role=Role.VIEWER,
            nonce=f"n{i}",
            invited_by=inviters[i % 3],
            expires_at=timezone.now() + dt.timedelta(days=7),
            sent_at=timezone.now() if i % 2 else None,
        )
        for i in (next(_seq) for _ in range(n))
    )


def add_workspaces(user: User, n: int) -> None:
    for _ in range(n):
        i = next(_seq)
        workspace = Workspace.objects.create(name=f"Workspace {i:04d}", slug=f"ws-{i}")
        Membership.objects.create(workspace=workspace, user=user, role=(Role.ADMIN, Role.EDITOR, Role.VIEWER)[i % 3])
        if i % 2:
            add_products(workspace, 2)


def add_events(workspace: Workspace, n: int, *, target: Any = None) -> None:
    """Events by different people and tokens, on products, members and the workspace."""
    users = add_users(3)
    tokens = [services.api_token_create(user=users[0], name="sync")[0]]
    products = list(Product.objects.filter(workspace=workspace)[:3])
    memberships = list(Membership.objects.filter(workspace=workspace)[:3])
    events = []
    for k in range(n):
        i = next(_seq)
        obj = target or [*products, *memberships, workspace][i % (len(products) + len(memberships) + 1)]
        events.append(
            ActivityEvent(
                workspace=workspace,
                product=obj if isinstance(obj, Product) else None,
                actor_user=users[k % 3] if k % 4 else None,
                actor_token=tokens[0] if k % 4 == 1 else None,
                actor_label=f"person {i}" if k % 4 else "system: import",
                target_type=ContentType.objects.get_for_model(obj),
                target_id=obj.pk,
                target_repr=str(obj),
                action="updated",
                changes={"name": {"from": f"Old {i}", "to": f"New {i}"}},
            )
        )
    ActivityEvent.objects.bulk_create(events)


def add_tokens(user: User, n: int) -> None:
    for k in range(n):
        token, _raw = services.api_token_create(user=user, name=f"token {next(_seq)}")
        if k % 3 == 0:
            services.api_token_revoke(user=user, token_id=token.pk)


# --- pages ------------------------------------------------------------------------


def test_products_page(team, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries,
        "page: products",
        lambda: ok(client.get("/w/acme/products/")),
        lambda n: add_products(team.workspace, n),
        lambda r: len(r.context["page"].object_list),
    )


def test_workspaces_page(team, django_assert_max_num_queries):
    client = page(team.editor)
    measure(
        django_assert_max_num_queries,
        "page: workspaces",
        lambda: ok(client.get("/workspaces/")),
        lambda n: add_workspaces(team.editor, n),
        lambda r: len(r.context["workspaces"]),
    )


def test_members_page_with_invitations(team, django_assert_max_num_queries):
    client = page(team.admin)

    def grow(n: int) -> None:
        add_members(team.workspace, n)
        add_invitations(team.workspace, team.admin, n)

    measure(
        django_assert_max_num_queries,
        "page: members (with invitations)",
        lambda: ok(client.get("/w/acme/settings/members/")),
        grow,
        lambda r: min(len(r.context["members"]), len(r.context["invitations"])),
    )


def test_workspace_activity_page(team, product, django_assert_max_num_queries):
    add_members(team.workspace, 3)
    add_products(team.workspace, 3)
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries,
        "page: workspace activity",
        lambda: ok(client.get("/w/acme/activity/")),
        lambda n: add_events(team.workspace, n),
        lambda r: len(r.context["page"].object_list),
    )


def test_product_detail_page_with_history(team, product, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries,
        "page: product detail (with history)",
        lambda: ok(client.get("/w/acme/products/atlas/")),
        lambda n: add_events(team.workspace, n, target=product),
        lambda r: len(r.context["history"]),  # the panel shows the latest 20
    )


def test_tokens_page(team, django_assert_max_num_queries):
    client = page(team.editor)
    measure(
        django_assert_max_num_queries,
        "page: API tokens",
        lambda: ok(client.get("/account/tokens/")),
        lambda n: add_tokens(team.editor, n),
        lambda r: len(r.context["tokens"]),
    )


def test_tokens_page_in_a_workspace_shell(team, django_assert_max_num_queries):
    client = page(team.editor)
    ok(client.get("/w/acme/products/"))  # remembered: the tokens page keeps this workspace's shell
    measure(
        django_assert_max_num_queries,
        "page: API tokens (in a workspace's shell)",
        lambda: ok(client.get("/account/tokens/")),
        lambda n: add_tokens(team.editor, n),
        lambda r: len(r.context["tokens"]),
    )


# --- API --------------------------------------------------------------------------


def results(response: Any) -> int:
    body = response.json()
    return len(body["results"] if isinstance(body, dict) else body)


def test_products_api(team, django_assert_max_num_queries):
    client = api(team.viewer)
    measure(
        django_assert_max_num_queries,
        "api: products",
        lambda: ok(client.get(f"/api/v1/workspaces/{team.workspace.pk}/products/")),
        lambda n: add_products(team.workspace, n),
        results,
    )


def test_workspaces_api(team, django_assert_max_num_queries):
    client = api(team.editor)
    measure(
        django_assert_max_num_queries,
        "api: workspaces",
        lambda: ok(client.get("/api/v1/workspaces/")),
        lambda n: add_workspaces(team.editor, n),
        results,
    )


def test_members_api(team, django_assert_max_num_queries):
    client = api(team.viewer)
    measure(
        django_assert_max_num_queries,
        "api: members",
        lambda: ok(client.get(f"/api/v1/workspaces/{team.workspace.pk}/members/")),
        lambda n: add_members(team.workspace, n),
        results,
    )


def test_invitations_api(team, django_assert_max_num_queries):
    client = api(team.admin)
    measure(
        django_assert_max_num_queries,
        "api: invitations",
        lambda: ok(client.get(f"/api/v1/workspaces/{team.workspace.pk}/invitations/")),
        lambda n: add_invitations(team.workspace, team.admin, n),
        results,
    )


def test_workspace_activity_api(team, product, django_assert_max_num_queries):
    add_products(team.workspace, 3)
    client = api(team.viewer)
    measure(
        django_assert_max_num_queries,
        "api: workspace activity",
        lambda: ok(client.get(f"/api/v1/workspaces/{team.workspace.pk}/activity/")),
        lambda n: add_events(team.workspace, n),
        results,
    )


def test_product_activity_api(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    measure(
        django_assert_max_num_queries,
        "api: product activity",
        lambda: ok(client.get(f"/api/v1/products/{product.pk}/activity/")),
        lambda n: add_events(team.workspace, n, target=product),
        results,
    )


def test_tokens_api(team, django_assert_max_num_queries):
    client = api(team.editor)
    measure(
        django_assert_max_num_queries,
        "api: tokens",
        lambda: ok(client.get("/api/v1/tokens/")),
        lambda n: add_tokens(team.editor, n),
        results,
    )
