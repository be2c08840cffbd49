"""Reads of a product's vision: the vision itself (or an empty, unsaved one), its revisions with
the fields each one changed (computed in SQL), and a per-field comparison of two revisions (of the
rendered text, block by block)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import unescape
from typing import Any

from django.db.models import BooleanField, Case, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from pmtool.errors import NotFound
from pmtool.markdown import render_markdown
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
#
# A field is compared as the text a reader sees (its Markdown rendered, so no `**` or `- `), one
# block per paragraph, list item or heading. Blocks are matched first; a block that changed is
# shown twice, before (its removed words struck through) and after (its added words underlined),
# so neither version is interleaved with the other. Removed and added blocks carry a − or + sign
# and a hidden "Removed:" / "Added:" for screen readers: the marks never rely on colour alone.

# A word, or a run of spaces: a diff in whole words that keeps the text's own spacing.
_WORDS = re.compile(r"\S+|\s+")
# Above this many token pairs a changed block is shown as removed + added, not word by word
# (difflib's matcher is quadratic in the worst case: this bounds a field to ~0.1 s).
_WORD_DIFF_LIMIT = 1_000_000
# Two blocks less alike than this are a removal and an addition, not one edited block.
_SAME_BLOCK = 0.4
# A run of more unchanged blocks than this shows its first and last, and how many are between.
_CONTEXT_RUN = 3
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
_CELL_END = re.compile(r"</t[dh]>", re.IGNORECASE)
_ITEM = re.compile(r"<li>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_BETWEEN_CELLS = re.compile(r"\s+(?=<t[dh][ >])", re.IGNORECASE)


def text_blocks(markdown: str) -> list[str]:
    """What a reader sees of `markdown`: its rendered text, one string per block (list items as
    "• item", table rows as "a | b"); the Markdown marks themselves are gone."""
    html = str(render_markdown(markdown))
    html = _ITEM.sub("\n• ", _BETWEEN_CELLS.sub("", html))
    html = _CELL_END.sub(" | ", html)
    html = _BLOCK_END.sub("\n", html)
    text = unescape(_TAG.sub("", html))
    return [" ".join(line.split()).removesuffix(" |") for line in text.splitlines() if line.strip()]


def _marked(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>" if text.strip() else escape(text)


def _word_marks(old: str, new: str) -> tuple[str, str] | None:
    """The two versions of an edited block: removed words in <del> in the old one, added words in
    <ins> in the new one. None when they have too little in common to read as one edit."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    if len(a) * len(b) > _WORD_DIFF_LIMIT:
        return None
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < _SAME_BLOCK:
        return None
    before, after = [], []
    for changed, i1, i2, j1, j2 in _runs(matcher.get_opcodes(), a):
        old_text, new_text = "".join(a[i1:i2]), "".join(b[j1:j2])
        before.append(_marked("del", old_text) if changed else escape(old_text))
        after.append(_marked("ins", new_text) if changed else escape(new_text))
    return "".join(before), "".join(after)


def _runs(opcodes: Sequence[tuple[str, int, int, int, int]], a: list[str]) -> list[tuple[bool, int, int, int, int]]:
    """(changed, i1, i2, j1, j2) runs: a lone space kept between two changes joins them, so "not
    hours" → "with confidence" is one mark on each side rather than two."""
    runs: list[tuple[bool, int, int, int, int]] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        changed = tag != "equal"
        between = 0 < n < len(opcodes) - 1 and not changed and not "".join(a[i1:i2]).strip()
        if (changed or between) and runs and runs[-1][0]:
            runs[-1] = (True, runs[-1][1], i2, runs[-1][3], j2)
        else:
            runs.append((changed or between, i1, i2, j1, j2))
    return runs


def _row(kind: str, body: str) -> str:
    sign, spoken = {"same": ("", ""), "removed": ("−", "Removed: "), "added": ("+", "Added: ")}[kind]
    said = f'<span class="visually-hidden">{spoken}</span>' if spoken else ""
    return (
        f'<div class="diff-block diff-{kind}"><span class="diff-sign" aria-hidden="true">{sign}</span>'
        f'<div class="diff-body">{said}{body}</div></div>'
    )


def _unchanged(blocks: list[str]) -> list[str]:
    if len(blocks) <= _CONTEXT_RUN:
        return [_row("same", escape(b)) for b in blocks]
    hidden = len(blocks) - 2
    skipped = f'<div class="diff-skip">⋯ {hidden} unchanged paragraph{"s" if hidden != 1 else ""}</div>'
    return [_row("same", escape(blocks[0])), skipped, _row("same", escape(blocks[-1]))]


def _replaced(old: list[str], new: list[str]) -> list[str]:
    """Rows for blocks replaced by others: pairs that read as edits side by side (before, after),
    the rest as removed, then added."""
    rows, removed, added = [], [], []
    for before, after in zip(old, new, strict=False):
        marks = _word_marks(before, after)
        if marks is None:
            removed.append(_row("removed", _marked("del", before)))
            added.append(_row("added", _marked("ins", after)))
        else:
            rows += [*removed, *added, _row("removed", marks[0]), _row("added", marks[1])]
            removed, added = [], []
    removed += [_row("removed", _marked("del", b)) for b in old[len(new) :]]
    added += [_row("added", _marked("ins", b)) for b in new[len(old) :]]
    return [*rows, *removed, *added]


def diff_html(old: str, new: str) -> SafeString:
    """`old` → `new` (Markdown) as HTML rows of the rendered text: unchanged blocks plain (long runs
    shortened), removed blocks in <del>, added ones in <ins>, an edited block before and after."""
    a, b = text_blocks(old), text_blocks(new)
    rows: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += _unchanged(a[i1:i2])
        elif tag == "replace":
            rows += _replaced(a[i1:i2], b[j1:j2])
        else:
            rows += [_row("removed", _marked("del", x)) for x in a[i1:i2]]
            rows += [_row("added", _marked("ins", x)) for x in b[j1:j2]]
    return mark_safe("".join(rows))  # noqa: S308 - every piece of text is escaped above


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
