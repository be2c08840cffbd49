"""What a feature may point to, checked once: a status of the product's workspace, an owner who is
a member, an initiative of the workspace (workspace-wide or of this product), a release of the
product, a team of the workspace, and tag names. Shared by bulk edits and the CSV import, with the
single-feature rules' messages (a bad reference is a 400 naming the field).

Each `*_of` takes an id (None = "clear it") and returns the object or None; the lookups by name
(`*_by_name`) serve the CSV import, which reads people and plan items by what a person types."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower

from pmtool.cleaning import no_nul
from pmtool.errors import ValidationError
from pmtool.models import Membership, Product, User
from strategy.models import Initiative

from ..models import TAG_MAX as TAG_MAX  # the one bound of a tag name (re-exported for the bulk API)
from ..models import FeatureStatus, Release, Tag, Team

TAGS_MAX = 20  # tags named in one change


def _unknown(field: str, what: str) -> ValidationError:
    return ValidationError(f"Unknown {what}.", fields={field: [f"No such {what} here."]})


def status_of(product: Product, status_id: int) -> FeatureStatus:
    status = FeatureStatus.objects.filter(workspace_id=product.workspace_id, pk=status_id).first()
    if status is None:
        raise _unknown("status", "status")
    return status


def owner_of(product: Product, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    member = (
        Membership.objects.select_related("user")
        .filter(workspace_id=product.workspace_id, user_id=user_id, user__is_active=True)
        .first()
    )
    if member is None:
        raise ValidationError(
            "The owner must be a member of this workspace.",
            fields={"owner": ["Not a member of this workspace."]},
        )
    return member.user


def initiatives_for(product: Product) -> Q:
    """The initiatives a feature of `product` may serve: the workspace's, for this product or all."""
    return Q(workspace_id=product.workspace_id) & (Q(product__isnull=True) | Q(product_id=product.pk))


def initiative_of(product: Product, initiative_id: int | None) -> Initiative | None:
    if initiative_id is None:
        return None
    initiative = Initiative.objects.filter(initiatives_for(product), pk=initiative_id).first()
    if initiative is None:
        raise _unknown("initiative", "initiative")
    return initiative


def release_of(product: Product, release_id: int | None) -> Release | None:
    if release_id is None:
        return None
    release = Release.objects.filter(product_id=product.pk, pk=release_id).first()
    if release is None:
        raise _unknown("release", "release")
    return release


def team_of(product: Product, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(workspace_id=product.workspace_id, pk=team_id).first()
    if team is None:
        raise _unknown("team", "team")
    return team


def clean_tag_names(names: Iterable[str], *, field: str = "tags") -> list[str]:
    """Tag names trimmed, each 1–40 characters, without duplicates (ignoring case), at most 20."""
    out: dict[str, str] = {}
    for raw in names:
        name = no_nul(str(raw).strip(), field)
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise ValidationError("A tag is too long.", fields={field: [f"At most {TAG_MAX} characters per tag."]})
        out.setdefault(name.casefold(), name)
    if len(out) > TAGS_MAX:
        raise ValidationError("Too many tags.", fields={field: [f"At most {TAGS_MAX} tags."]})
    return list(out.values())


def tags_ensure(product: Product, names: Iterable[str]) -> dict[str, Tag]:
    """The workspace's tags of these names (matched ignoring case), created where missing; by casefolded name."""
    return workspace_tags_ensure(product.workspace_id, names)


def workspace_tags_ensure(workspace_id: int, names: Iterable[str]) -> dict[str, Tag]:
    """`tags_ensure` by workspace id: the tags to attach to features, created where missing and held
    (`_held`) until the transaction ends, so that a merge or delete of one cannot remove it between
    this read and the commit of the feature's new tag rows (which would fail their foreign key: a 500)."""
    wanted = {n.casefold(): n for n in names}
    if not wanted:
        return {}
    found = _held(_tags_named(workspace_id, wanted))
    missing = [Tag(workspace_id=workspace_id, name=n) for k, n in wanted.items() if k not in found]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)  # a concurrent create of the same name is fine
        found = _held(_tags_named(workspace_id, wanted))
    return found


def _held(found: dict[str, Tag]) -> dict[str, Tag]:
    """`found` less the tags gone by now, the others key-share locked (PostgreSQL: `FOR KEY SHARE`, which
    waits for a merge or delete of the tag that is under way and then blocks it until this transaction
    ends; renames and other feature edits are not held up by it). Other databases: `found` as it is."""
    if not found or connection.vendor != "postgresql":
        return found
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT id FROM "{Tag._meta.db_table}" WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE',  # noqa: S608
            [sorted(t.pk for t in found.values())],
        )
        there = {row[0] for row in cursor.fetchall()}
    return {key: tag for key, tag in found.items() if tag.pk in there}


def tags_existing(product: Product, names: Iterable[str]) -> dict[str, Tag]:
    """The workspace's tags of these names that exist (ignoring case); by casefolded name."""
    wanted = {n.casefold(): n for n in names}
    return _tags_named(product.workspace_id, wanted) if wanted else {}


def _tags_named(workspace_id: int, wanted: dict[str, str]) -> dict[str, Tag]:
    lowered = sorted({n.lower() for n in wanted.values()})
    tags = Tag.objects.annotate(_lower=Lower("name")).filter(workspace_id=workspace_id, _lower__in=lowered)
    return {t.name.casefold(): t for t in tags if t.name.casefold() in wanted}
