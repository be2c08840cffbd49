"""Seed the demo workspace. Idempotent: running it again changes nothing that exists."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from pmtool import services
from pmtool.activity import Actor
from pmtool.models import Membership, Product, Role, User, Workspace

DEMO_PASSWORD = "pmtool-demo"  # noqa: S105 - published demo login
DEMO_WORKSPACE = ("Acme Product Team", "acme")
DEMO_USERS = (
    ("ada@demo.pmtool.dev", "Ada Admin", Role.ADMIN),
    ("eddie@demo.pmtool.dev", "Eddie Editor", Role.EDITOR),
    ("vera@demo.pmtool.dev", "Vera Viewer", Role.VIEWER),
)
DEMO_PRODUCTS = (
    (
        "Atlas Analytics",
        "growth",
        "Self-serve dashboards for operations teams at mid-size retailers: stock, sales and staffing in one place.",
    ),
    (
        "Beacon Mobile",
        "launch",
        "The companion app for store managers: alerts, approvals and the day's numbers on the shop floor.",
    ),
    (
        "Compass API",
        "maturity",
        "Public REST API and webhooks that partners use to sync orders and inventory with Atlas.",
    ),
    (
        "Ember Billing",
        "development",
        "Usage-based billing and invoicing, replacing the spreadsheet finance runs every month.",
    ),
    (
        "Drift Assistant",
        "idea",
        "An onboarding assistant that sets up a new store's dashboards from its point-of-sale data.",
    ),
)
ARCHIVED_PRODUCT = (
    "Legacy Reports",
    "decline",
    "The PDF report generator from 2019, kept read-only until the last customers move to Atlas.",
)


class Command(BaseCommand):
    help = "Create (or complete) the demo workspace with an admin, an editor, a viewer and realistic products."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        users = {}
        for email, name, _role in DEMO_USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
            users[email] = user
        admin = users[DEMO_USERS[0][0]]
        actor = Actor(user=admin)
        workspace = Workspace.objects.filter(slug=DEMO_WORKSPACE[1]).first()
        if workspace is None:
            workspace = services.workspace_create(actor=actor, name=DEMO_WORKSPACE[0], slug=DEMO_WORKSPACE[1])
        for email, _name, role in DEMO_USERS:
            Membership.objects.get_or_create(workspace=workspace, user=users[email], defaults={"role": role})
        existing = set(Product.objects.filter(workspace=workspace).values_list("name", flat=True))
        editor_actor = Actor(user=users[DEMO_USERS[1][0]])
        for name, stage, description in DEMO_PRODUCTS:
            if name not in existing:
                services.product_create(
                    actor=editor_actor, workspace=workspace, name=name, stage=stage, description=description
                )
        name, stage, description = ARCHIVED_PRODUCT
        if name not in existing:
            product = services.product_create(
                actor=actor, workspace=workspace, name=name, stage=stage, description=description
            )
            services.product_archive(actor=actor, product=product)
        # Each app adds its part (strategy, later backlog, roadmaps, feedback) through `<app>.demo.seed`:
        # the core names no app above it.
        by_role = {role.value: users[email] for email, _name, role in DEMO_USERS}
        for app in apps.get_app_configs():
            if app.name != "pmtool" and importlib.util.find_spec(f"{app.name}.demo") is not None:
                importlib.import_module(f"{app.name}.demo").seed(workspace, by_role)
        self.stdout.write(self.style.SUCCESS(f"Demo workspace '{workspace.name}' ready."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _name, role in DEMO_USERS:
            self.stdout.write(f"  {role:<7} {email}")
