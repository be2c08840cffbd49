"""Reads of a product's vision: the vision itself (or an empty, unsaved one), its revisions with
the fields each one changed (computed in SQL), and a per-field comparison of two revisions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.db.models import BooleanField, Case, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from pmtool.errors import NotFound
from pmtool.models import Product

from ..models import VISION_FIELDS, Vision, VisionRevision

VISION_LABELS = {
    "statement": "Vision statement",
    "target_customers": "Target customers",
    "problem": "Problem",
    "differentiation": "Differentiation",
    "business_model": "Business model",
}


def vision_of(product: Product) -> Vision:
    """The product's vision, or an unsaved empty one at version 0 ("send version 0 to create")."""
    vision = Vision.objects.select_related("updated_by").filter(product_id=product.pk).first()
    if vision is None:
        vision = Vision(product=product, version=0)
    else:
        vision.product = product
    return vision


def _changed(field: str) -> Case:
    """Whether a revision changed `field`: it differs from the revision before (revision 1: it is not empty)."""
    same_before = VisionRevision.objects.filter(
        vision_id=OuterRef("vision_id"), number=OuterRef("number") - 1, **{field: OuterRef(field)}
    )
    return Case(
        When(number=1, then=ExpressionWrapper(~Q(**{field: ""}), output_field=BooleanField())),
        default=ExpressionWrapper(~Exists(same_before), output_field=BooleanField()),
        output_field=BooleanField(),
    )


def vision_revisions(vision: Vision, *, with_text: bool = False) -> QuerySet[VisionRevision]:
    """The vision's revisions, newest first, each with `changed_<field>` flags (one query).

    The texts are left out unless `with_text` (the lists show who, when and which fields)."""
    if vision.pk is None:
        return VisionRevision.objects.none()
    qs = (
        VisionRevision.objects.filter(vision_id=vision.pk)
        .select_related("author")
        .annotate(**{f"changed_{field}": _changed(field) for field in VISION_FIELDS})
        .order_by("-number")
    )
    return qs if with_text else qs.defer(*VISION_FIELDS)


def changed_fields(revision: VisionRevision) -> list[str]:
    """The fields a revision of `vision_revisions` changed, in form order."""
    return [field for field in VISION_FIELDS if getattr(revision, f"changed_{field}", False)]


def vision_revision(vision: Vision, number: int) -> VisionRevision:
    revision = None
    if vision.pk is not None:
        revision = vision_revisions(vision, with_text=True).filter(number=number).first()
    if revision is None:
        raise NotFound(f"Revision {number} of this vision not found.")
    return revision


# --- comparing two revisions ------------------------------------------------------------

# A word, or a run of spaces or line breaks: a diff in whole words that keeps the text's
# own spacing and line breaks.
_WORDS = re.compile(r"\S+|\s+")
# Above this many token pairs a changed block is shown as removed + added, not word by word
# (difflib's matcher is quadratic in the worst case: this bounds a field to ~0.1 s).
_WORD_DIFF_LIMIT = 1_000_000


def _del(text: str) -> str:
    return f"<del>{escape(text)}</del>" if text else ""


def _ins(text: str) -> str:
    return f"<ins>{escape(text)}</ins>" if text else ""


def _word_diff(old: str, new: str) -> str:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    if len(a) * len(b) > _WORD_DIFF_LIMIT:
        return _del(old) + _ins(new)
    parts = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(a[i1:i2])))
        else:
            parts.append(_del("".join(a[i1:i2])) + _ins("".join(b[j1:j2])))
    return "".join(parts)


def diff_html(old: str, new: str) -> SafeString:
    """`old` → `new` as HTML: unchanged text escaped, removed words in <del>, added ones in <ins>.

    Lines are matched first, then the words of each changed block, so a long text diffs fast
    and an edit in one paragraph does not smear over the others."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    parts = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines).get_opcodes():
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            parts.append(escape(before))
        elif tag == "replace":
            parts.append(_word_diff(before, after))
        else:
            parts.append(_del(before) + _ins(after))
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped above


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    changed: bool
    html: SafeString
    empty: bool  # empty in both revisions


@dataclass(frozen=True)
class VisionComparison:
    older: VisionRevision | None  # None: before the first revision (everything is new)
    newer: VisionRevision
    fields: list[FieldDiff]

    @property
    def changed(self) -> list[FieldDiff]:
        return [f for f in self.fields if f.changed]

    @property
    def unchanged(self) -> list[FieldDiff]:
        return [f for f in self.fields if not f.changed]


def vision_compare(vision: Vision, a: int | None = None, b: int | None = None) -> VisionComparison | None:
    """Compare revisions `a` and `b` of the vision (in either order; 0 = before the first revision).

    Without numbers: the latest revision against the one before. None when there are no revisions;
    NotFound when a number does not exist."""
    if vision.pk is None:
        return None
    if a is None or b is None:
        # The latest revision's number is the vision's version (every save writes one).
        a, b = vision.version - 1, vision.version
    older_number, newer_number = sorted((a, b))
    wanted = VisionRevision.objects.filter(vision_id=vision.pk, number__in={a, b} - {0}).select_related("author")
    found = {r.number: r for r in wanted}
    for number in (older_number, newer_number):
        if number != 0 and number not in found:
            raise NotFound(f"Revision {number} of this vision not found.")
    older, newer = found.get(older_number), found.get(newer_number)
    if newer is None:  # 0 against 0
        raise NotFound("Choose a revision to compare.")
    fields = []
    for field in VISION_FIELDS:
        before = getattr(older, field) if older is not None else ""
        after = getattr(newer, field)
        fields.append(
            FieldDiff(
                field=field,
                label=VISION_LABELS[field],
                changed=before != after,
                html=diff_html(before, after),
                empty=not before and not after,
            )
        )
    return VisionComparison(older=older, newer=newer, fields=fields)


def vision_is_empty(vision: Any) -> bool:
    return vision is None or not any(getattr(vision, field) for field in VISION_FIELDS)
