"""The workspace home (/w/<ws>/): a page made of sections that apps register, so the core names no app above it.

Two kinds of registration, both made in an app's `AppConfig.ready()` (as `seed_demo` lets each app add
its part through `<app>.demo.seed`):

- `register_section(key, title=, order=, template=, context=)`: a block of the page. `context(home)`
  returns the template's `data`, or None to leave the section out. The core registers "Products"
  (order 10) and "Recent activity" (order 90); later apps slot theirs in between or after.
- `register_product_part(key, order=, template=, load=)`: something shown inside every product's card.
  `load(home, products)` is called ONCE for all the cards (a fixed number of queries, whatever the number
  of products) and returns `{product_id: ProductPart}`; a part's `next_steps` say what is missing.

Next steps are prompts to write something: the core drops those the reader's role may not do, so a
viewer sees the home without them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import selectors
from .models import Product, Role, Workspace
from .permissions import can_edit_content, role_at_least


@dataclass(frozen=True)
class NextStep:
    """A prompt on a product's card: what is missing and the page that adds it."""

    text: str
    url: str
    hint: str = ""
    minimum_role: str = Role.EDITOR


@dataclass
class ProductPart:
    """What one app shows for one product: its template's `data`, and what is missing."""

    context: dict[str, Any] = field(default_factory=dict)
    next_steps: list[NextStep] = field(default_factory=list)


@dataclass(frozen=True)
class Home:
    """What a section's callable gets: the request, the workspace and the reader's role and rights."""

    request: Any
    workspace: Workspace

    @property
    def role(self) -> str:
        """The reader's role: `request.role` (pmtool.views.workspace_page), else the workspace's `.my_role`."""
        role = getattr(self.request, "role", None) or self.workspace.__dict__.get("my_role")
        return str(role) if role else ""

    @property
    def can_edit(self) -> bool:
        return can_edit_content(self.role)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    order: int
    template: str
    context: Callable[[Home], dict[str, Any] | None]


@dataclass(frozen=True)
class ProductPartSpec:
    key: str
    order: int
    template: str
    load: Callable[[Home, list[Product]], dict[int, ProductPart]]


@dataclass
class ShownSection:
    key: str
    title: str
    template: str
    data: dict[str, Any]


@dataclass
class ShownPart:
    key: str
    template: str
    data: dict[str, Any]


@dataclass
class ProductCard:
    product: Product
    parts: list[ShownPart]
    next_steps: list[NextStep]


_sections: dict[str, Section] = {}
_parts: dict[str, ProductPartSpec] = {}


def register_section(
    key: str, *, title: str, order: int, template: str, context: Callable[[Home], dict[str, Any] | None]
) -> None:
    """Add (or replace, by key) a section of the workspace home."""
    _sections[key] = Section(key=key, title=title, order=order, template=template, context=context)


def register_product_part(
    key: str, *, order: int, template: str, load: Callable[[Home, list[Product]], dict[int, ProductPart]]
) -> None:
    """Add (or replace, by key) a part of every product card on the home."""
    _parts[key] = ProductPartSpec(key=key, order=order, template=template, load=load)


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def product_parts() -> list[ProductPartSpec]:
    return sorted(_parts.values(), key=lambda p: (p.order, p.key))


def product_cards(home: Home, products: Iterable[Product]) -> list[ProductCard]:
    """Each product with every registered part; next steps the reader may not take are left out."""
    products = list(products)
    cards = {p.pk: ProductCard(product=p, parts=[], next_steps=[]) for p in products}
    if not products:
        return []
    for spec in product_parts():
        loaded = spec.load(home, products)
        for product_id, part in loaded.items():
            card = cards.get(product_id)
            if card is None:
                continue
            card.parts.append(ShownPart(key=spec.key, template=spec.template, data=part.context))
            card.next_steps.extend(s for s in part.next_steps if role_at_least(home.role, s.minimum_role))
    return list(cards.values())


def build(request: Any, workspace: Workspace) -> list[ShownSection]:
    """The sections of the home, in order, each with its data (sections that return None are left out)."""
    home = Home(request=request, workspace=workspace)
    shown = []
    for section in sections():
        data = section.context(home)
        if data is not None:
            shown.append(ShownSection(key=section.key, title=section.title, template=section.template, data=data))
    return shown


# --- the core's own sections ----------------------------------------------------------

HOME_PRODUCTS = 12  # cards on the home; the rest are one link away
HOME_ACTIVITY = 5  # entries of recent activity
_ACTIVITY_EVENTS = 25  # events read to make those entries (a burst merges several)


def _products_section(home: Home) -> dict[str, Any]:
    products = list(selectors.products_of(home.workspace)[: HOME_PRODUCTS + 1])
    return {
        "cards": product_cards(home, products[:HOME_PRODUCTS]),
        "more": len(products) > HOME_PRODUCTS,
        "can_edit": home.can_edit,
    }


def _activity_section(home: Home) -> dict[str, Any]:
    events = list(selectors.activity_of_workspace(home.workspace)[:_ACTIVITY_EVENTS])
    return {"events": events, "limit": HOME_ACTIVITY}


def register_core_sections() -> None:
    """Called from PmtoolConfig.ready(): the products and the recent activity."""
    register_section(
        "products", title="Products", order=10, template="pmtool/home/products.html", context=_products_section
    )
    register_section(
        "activity", title="Recent activity", order=90, template="pmtool/home/activity.html", context=_activity_section
    )
