"""Importing features from a CSV file: read it, map its columns, validate every row, create them.

Steps (the pages follow them; the API does them in one request):
1. `read_csv(content)`: at most 5 MB and 10,000 rows; the encoding is detected (UTF-8 with or
   without BOM, else Latin-1) and the delimiter sniffed (comma, semicolon or tab).
2. `guess_mapping(headers, criteria)`: each header → a feature field or "" (ignore), by name
   similarity ("Summary" → title, "Points" → effort, "Assignee" → owner …).
3. `validate(product, parsed, mapping)`: every row checked with the single-feature rules; every
   bad row reported with its line number in the file and its field errors.
4. `features_import(...)`: one transaction: nothing is created while a row is bad unless the caller
   asks for the clean rows only; the features are bulk-created at the bottom of the backlog (ranks
   from keys_between(last, None, n)), with their tags and scorecard values, their RICE and scorecard
   scores (backlog.scoring), one ScoreEvent (cause "imported") with a history row per feature, and
   one activity event "imported N features" on the product.

Between the page steps the upload is kept as an ImportJob row (`import_job_create`), and jobs older
than IMPORT_JOB_TTL are deleted when the next upload starts.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_markdown
from pmtool.errors import NotFound, ValidationError
from pmtool.models import Membership, Product
from pmtool.ranking import keys_between
from pmtool.timeframes import DATE_MAX, DATE_MIN
from strategy.models import Initiative

from ..models import (
    EFFORT_MAX,
    REACH_MAX,
    RICE_IMPACTS,
    TITLE_MAX,
    BacklogSettings,
    CriterionValue,
    Feature,
    FeatureStatus,
    FeatureType,
    ImportJob,
    ImportJobStatus,
    MoSCoW,
    Release,
    ScorecardCriterion,
    ScoreCause,
    ScoreHistory,
    Team,
)
from ..scoring import Criterion, rice_score, score_event, scorecard_score
from ..selectors.export import CRITERION_PREFIX, FORMULA_STARTS
from . import references as refs
from .progress import schedule_progress_refresh
from .ranking import lock_product_order

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_COLUMNS = 100
PREVIEW_ROWS = 20
IMPORT_JOB_TTL = dt.timedelta(hours=24)
DELIMITERS = ",;\t"

# The fields a column can fill, with their labels; scorecard criteria add "criterion:<id>".
FIELDS: dict[str, str] = {
    "title": "Title",
    "description": "Description",
    "type": "Type",
    "status": "Status (name)",
    "parent": "Parent epic (title)",
    "owner": "Owner (e-mail)",
    "tags": "Tags (comma-separated)",
    "initiative": "Initiative (title)",
    "release": "Release (name)",
    "team": "Team (name)",
    "start_date": "Start date",
    "due_date": "Due date",
    "reach": "RICE reach",
    "impact": "RICE impact",
    "confidence": "RICE confidence (%)",
    "effort": "RICE effort (person-months)",
    "moscow": "MoSCoW",
}
# Header names (normalised: lower case, letters and digits only) that mean a field.
SYNONYMS: dict[str, str] = {
    "title": "title", "summary": "title", "name": "title", "feature": "title", "subject": "title",
    "description": "description", "details": "description", "body": "description", "notes": "description",
    "type": "type", "kind": "type", "issuetype": "type",
    "status": "status", "state": "status", "stage": "status",
    "parent": "parent", "epic": "parent", "parentepic": "parent",
    "owner": "owner", "owneremail": "owner", "assignee": "owner", "email": "owner", "assignedto": "owner",
    "tags": "tags", "labels": "tags", "tag": "tags", "label": "tags",
    "initiative": "initiative", "theme": "initiative",
    "release": "release", "fixversion": "release", "version": "release", "milestone": "release",
    "team": "team", "squad": "team",
    "start": "start_date", "startdate": "start_date", "starts": "start_date",
    "due": "due_date", "duedate": "due_date", "deadline": "due_date", "end": "due_date", "enddate": "due_date",
    "reach": "reach", "impact": "impact", "confidence": "confidence",
    "effort": "effort", "points": "effort", "storypoints": "effort", "estimate": "effort", "size": "effort",
    "moscow": "moscow", "priority": "moscow",
}  # fmt: skip


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


# --- step 1: reading the file ---------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedCsv:
    """A CSV's header and rows; `lines[i]` is the file line where data row i starts."""

    headers: list[str]
    rows: list[list[str]]
    lines: list[int]
    encoding: str
    delimiter: str


def decode(content: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 with BOM, UTF-8, else Latin-1 (which reads any bytes)."""
    if len(content) > MAX_BYTES:
        raise ValidationError("The file is too large.", fields={"file": [f"At most {MAX_BYTES // (1024 * 1024)} MB."]})
    for encoding in ("utf-8-sig", "utf-8"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, "utf-8-sig" if content.startswith(b"\xef\xbb\xbf") else "utf-8"
    return content.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: csv.Sniffer on the first lines, else the one the header holds most."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def read_csv(content: bytes) -> ParsedCsv:
    """The CSV's header and rows (blank rows skipped), with the line each row starts on."""
    text, encoding = decode(content)
    if "\x00" in text:
        raise ValidationError("The file is not a CSV.", fields={"file": ["It contains NUL characters."]})
    delimiter = sniff_delimiter(text)
    return parse_text(text, encoding=encoding, delimiter=delimiter)


def parse_text(text: str, *, encoding: str, delimiter: str) -> ParsedCsv:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for row in reader:
            if headers is None:
                headers = [h.strip() for h in row]
            elif any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(start)
                if len(rows) > MAX_ROWS:
                    raise ValidationError("Too many rows.", fields={"file": [f"At most {MAX_ROWS:,} rows."]})
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(
            "The file is not a valid CSV.", fields={"file": [f"Line {reader.line_num}: {exc}."]}
        ) from None
    if not headers or not any(headers):
        raise ValidationError("The file is empty.", fields={"file": ["A header row is required."]})
    if len(headers) > MAX_COLUMNS:
        raise ValidationError("Too many columns.", fields={"file": [f"At most {MAX_COLUMNS} columns."]})
    if not rows:
        raise ValidationError("The file has no rows.", fields={"file": ["No features below the header row."]})
    return ParsedCsv(headers, rows, lines, encoding, delimiter)


# --- step 2: the column mapping -------------------------------------------------------------------


def field_choices(criteria: Sequence[ScorecardCriterion]) -> dict[str, str]:
    """Every field a column can fill (key → label), the product's criteria included."""
    return {**FIELDS, **{f"criterion:{c.pk}": f"Scorecard: {c.name}" for c in criteria}}


def guess_mapping(headers: Sequence[str], criteria: Sequence[ScorecardCriterion]) -> dict[int, str]:
    """Column index → field ("" = ignore) by name: synonyms, criteria names, then close matches;
    a field is filled by one column at most (the first that names it)."""
    by_name = {**SYNONYMS, **{_norm(k): k for k in FIELDS}}
    for c in criteria:
        by_name[_norm(c.name)] = by_name[_norm(CRITERION_PREFIX + c.name)] = f"criterion:{c.pk}"
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        key = _norm(header)
        guess = by_name.get(key)
        if guess is None and key:
            close = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.8)
            guess = by_name[close[0]] if close else None
        if guess is not None and guess not in taken:
            mapping[index] = guess
            taken.add(guess)
        else:
            mapping[index] = ""
    return mapping


def clean_mapping(
    mapping: Mapping[Any, Any], headers: Sequence[str], criteria: Sequence[ScorecardCriterion]
) -> dict[int, str]:
    """A mapping from a form or the API: {column index or header: field or ""}; each field once, a
    title column required."""
    choices = field_choices(criteria)
    out: dict[int, str] = dict.fromkeys(range(len(headers)), "")
    errors: list[str] = []
    for key, value in mapping.items():
        index = _column(key, headers)
        if index is None:
            errors.append(f"“{str(key)[:40]}” is not a column of the file.")
        elif not isinstance(value, str) or (value and value not in choices):
            errors.append(f"“{str(value)[:40]}” is not a field (column “{headers[index][:40]}”).")
        else:
            out[index] = value
    used = [v for v in out.values() if v]
    twice = sorted({v for v in used if used.count(v) > 1})
    if twice:
        errors.append(f"Each field from one column only: {', '.join(choices[v] for v in twice)}.")
    if "title" not in used:
        errors.append("Choose the column that holds the title.")
    if errors:
        raise ValidationError("The column mapping is not valid.", fields={"mapping": errors})
    return out


def _column(key: Any, headers: Sequence[str]) -> int | None:
    if isinstance(key, int) and not isinstance(key, bool):
        return key if 0 <= key < len(headers) else None
    text = str(key)
    if text.isdigit() and int(text) < len(headers):
        return int(text)
    return headers.index(text) if text in headers else None


# --- step 3: validation -----------------------------------------------------------------------------


@dataclass
class RowError:
    line: int
    fields: dict[str, list[str]]

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "fields": self.fields}


@dataclass
class PlannedFeature:
    """A clean row: the Feature's values, its tag names and scorecard values, and how it reads."""

    line: int
    values: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    criteria: dict[int, int] = field(default_factory=dict)


@dataclass
class Validation:
    planned: list[PlannedFeature]
    errors: list[RowError]
    total: int

    @property
    def clean(self) -> bool:
        return not self.errors


class _Lookups:
    """What rows refer to by name, read once for the whole file (a handful of queries)."""

    def __init__(self, product: Product) -> None:
        ws = product.workspace_id
        statuses = FeatureStatus.objects.filter(workspace_id=ws).order_by("position", "id")
        self.statuses = {s.name.casefold(): s for s in statuses}
        self.default_status = next(iter(self.statuses.values()), None)
        members = Membership.objects.filter(workspace_id=ws, user__is_active=True).select_related("user")
        self.owners = {m.user.email.casefold(): m.user for m in members}
        self.initiatives = _by_lower(Initiative.objects.filter(refs.initiatives_for(product)), "title")
        self.releases = _by_lower(Release.objects.filter(product_id=product.pk), "name")
        self.teams = _by_lower(Team.objects.filter(workspace_id=ws), "name")
        self.epics = _by_lower(Feature.objects.filter(product_id=product.pk, type=FeatureType.EPIC), "title")
        self.criteria = {c.pk: c for c in ScorecardCriterion.objects.filter(product_id=product.pk)}


def _by_lower(queryset: Any, name: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for pk, value in queryset.annotate(_key=Lower(name)).order_by("id").values_list("pk", "_key"):
        out.setdefault(value.casefold(), pk)
    return out


def _unquote(cell: str) -> str:
    """A cell as typed: trimmed, and without the quote an export put before a formula-like start."""
    cell = cell.strip()
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


_CHOICE_WORDS = {
    "type": {**{v: v for v in FeatureType.values}, **{str(label).casefold(): v for v, label in FeatureType.choices}},
    "moscow": {
        **{v: v for v in MoSCoW.values},
        **{str(label).casefold(): v for v, label in MoSCoW.choices},
        "must": "must", "should": "should", "could": "could", "won't": "wont", "wont have": "wont", "none": "",
    },
}  # fmt: skip


def _number(text: str, *, integer: bool) -> Decimal:
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # a decimal comma
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text[:30]}” is not a number.") from None
    if not number.is_finite():
        raise ValueError(f"“{text[:30]}” is not a number.")
    if integer and number != number.to_integral_value():
        raise ValueError(f"“{text[:30]}” is not a whole number.")
    return number


def _date(text: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y"):
        try:
            day = dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no time zone
        except ValueError:
            continue
        if not DATE_MIN <= day <= DATE_MAX:
            raise ValueError(f"Between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}.")
        return day
    raise ValueError(f"“{text[:30]}” is not a date (use YYYY-MM-DD).")


def _cell_value(name: str, text: str, look: _Lookups) -> Any:  # one branch per field
    """The stored value of one cell (text already unquoted and non-empty); ValueError says why not."""
    if name == "title":
        if len(text) > TITLE_MAX:
            raise ValueError(f"At most {TITLE_MAX} characters (this has {len(text)}).")
        return text
    if name == "description":
        return clean_markdown(text, field="description")
    if name in ("type", "moscow"):
        value = _CHOICE_WORDS[name].get(text.casefold())
        if value is None:
            allowed = FeatureType.values if name == "type" else MoSCoW.values
            raise ValueError(f"“{text[:30]}” is not one of: {', '.join(allowed)}.")
        return value
    if name == "status":
        status = look.statuses.get(text.casefold())
        if status is None:
            raise ValueError(
                f"Unknown status “{text[:40]}” (statuses: {', '.join(s.name for s in look.statuses.values())})."
            )
        return status.pk
    if name == "owner":
        user = look.owners.get(text.casefold())
        if user is None:
            raise ValueError(f"“{text[:60]}” is not the e-mail of a member of this workspace.")
        return user.pk
    if name in ("parent", "initiative", "release", "team"):
        table = {"parent": look.epics, "initiative": look.initiatives, "release": look.releases, "team": look.teams}
        pk = table[name].get(text.casefold())
        if pk is None:
            what = "epic" if name == "parent" else name
            raise ValueError(f"Unknown {what} “{text[:40]}”.")
        return pk
    if name in ("start_date", "due_date"):
        return _date(text)
    if name == "reach":
        reach = _number(text, integer=True)
        if not 0 <= reach <= REACH_MAX:
            raise ValueError(f"From 0 to {REACH_MAX:,}.")
        return int(reach)
    if name == "impact":
        impact = _number(text, integer=False)
        if impact not in {Decimal(i) for i in RICE_IMPACTS}:
            raise ValueError(f"One of {', '.join(RICE_IMPACTS)}.")
        return impact
    if name == "confidence":
        confidence = _number(text.removesuffix("%"), integer=True)
        if not 0 <= confidence <= 100:
            raise ValueError("A percentage from 0 to 100.")
        return int(confidence)
    if name == "effort":
        effort = _number(text, integer=False)
        if effort <= 0:
            raise ValueError("Effort must be more than 0 person-months.")
        if effort > EFFORT_MAX or effort != effort.quantize(Decimal("0.01")):
            raise ValueError(f"Up to {EFFORT_MAX:,} person-months, with at most 2 decimals.")
        return effort
    raise ValueError("Not an importable field.")


def _criterion_value(criterion_id: int, text: str, look: _Lookups) -> int:
    criterion = look.criteria[criterion_id]
    value = _number(text, integer=True)
    if not criterion.scale_min <= value <= criterion.scale_max:
        raise ValueError(f"On the scale {criterion.scale_min}–{criterion.scale_max}.")
    return int(value)


def _row(line: int, cells: Sequence[str], mapping: Mapping[int, str], look: _Lookups) -> PlannedFeature | RowError:
    errors: dict[str, list[str]] = {}
    plan = PlannedFeature(line=line, values={})
    for index, name in mapping.items():
        if not name:
            continue
        text = _unquote(cells[index]) if index < len(cells) else ""
        if "\x00" in text:
            errors[name] = ["Null characters are not allowed."]
            continue
        if not text:
            continue
        try:
            if name == "tags":
                plan.tags = refs.clean_tag_names(text.split(","))
            elif name.startswith("criterion:"):
                plan.criteria[int(name.split(":", 1)[1])] = _criterion_value(int(name.split(":", 1)[1]), text, look)
            else:
                plan.values[name] = _cell_value(name, text, look)
        except ValueError as exc:
            errors[name] = [str(exc)]
        except ValidationError as exc:
            errors[name] = [m for ms in exc.fields.values() for m in ms] or [exc.message]
    if "title" not in plan.values and "title" not in errors:
        errors["title"] = ["The title is required."]
    start, due = plan.values.get("start_date"), plan.values.get("due_date")
    if start and due and due < start:
        errors["due_date"] = ["The due date is before the start date."]
    if "status" not in plan.values and "status" not in errors:
        if look.default_status is None:
            errors["status"] = ["The workspace has no statuses."]
        else:
            plan.values["status"] = look.default_status.pk
    return RowError(line, errors) if errors else plan


def validate(product: Product, parsed: ParsedCsv, mapping: Mapping[int, str]) -> Validation:
    """Every row checked: the clean ones planned, the bad ones with their line and field errors."""
    look = _Lookups(product)
    planned: list[PlannedFeature] = []
    errors: list[RowError] = []
    for line, cells in zip(parsed.lines, parsed.rows, strict=True):
        result = _row(line, cells, mapping, look)
        (errors if isinstance(result, RowError) else planned).append(result)  # type: ignore[arg-type]
    return Validation(planned, errors, len(parsed.rows))


# --- step 4: the import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    errors: list[RowError]
    total: int
    dry_run: bool = False
    would_create: int = 0
    feature_ids: list[int] = field(default_factory=list)

    def errors_as_fields(self) -> dict[str, list[str]]:
        """The row errors as an error body's `fields`: {"line 7": ["status: Unknown status …"]}."""
        return {
            f"line {e.line}": [f"{name}: {message}" for name, messages in e.fields.items() for message in messages]
            for e in self.errors
        }


_FK = {"status": "status_id", "parent": "parent_id", "owner": "owner_id", "initiative": "initiative_id",
       "release": "release_id", "team": "team_id"}  # fmt: skip


@transaction.atomic
def features_import(
    *,
    actor: Actor,
    product: Product,
    parsed: ParsedCsv,
    mapping: Mapping[int, str],
    clean_rows_only: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Create the file's features (see the module doc). Bad rows and not `clean_rows_only`: a 400
    ValidationError listing every bad line (nothing created). `dry_run`: validate only."""
    checked = validate(product, parsed, mapping)
    result = ImportResult(created=0, errors=checked.errors, total=checked.total, dry_run=dry_run,
                          would_create=len(checked.planned))  # fmt: skip
    if dry_run:
        return result
    if checked.errors and not clean_rows_only:
        raise ValidationError(
            f"{len(checked.errors)} of {checked.total} rows have errors: nothing was imported. Fix them, or import "
            f"the {len(checked.planned)} clean rows only.",
            fields=result.errors_as_fields(),
            code="invalid_rows",
        )
    if not checked.planned:
        raise ValidationError("No clean rows to import.", fields=result.errors_as_fields() or {"file": ["No rows."]})
    ids = _create(actor, product, checked.planned)
    return ImportResult(created=len(ids), errors=checked.errors, total=checked.total, feature_ids=ids)


def _create(actor: Actor, product: Product, planned: list[PlannedFeature]) -> list[int]:
    # Appends to one backlog are serialised as feature_create's are (the order lock, then the settings row).
    lock_product_order(product.pk)
    BacklogSettings.objects.get_or_create(product_id=product.pk)
    BacklogSettings.objects.select_for_update().filter(product_id=product.pk).first()
    last = Feature.objects.filter(product_id=product.pk).order_by("-rank").values_list("rank", flat=True).first()
    ranks = keys_between(last, None, len(planned))
    rows = ScorecardCriterion.objects.filter(product_id=product.pk).order_by("position", "id")
    criteria = [Criterion(c.pk, c.weight, c.direction, c.scale_min, c.scale_max) for c in rows]
    now = timezone.now()
    features = []
    for plan, rank in zip(planned, ranks, strict=True):
        values = {_FK.get(k, k): v for k, v in plan.values.items()}
        v = plan.values
        features.append(
            Feature(
                product_id=product.pk,
                rank=rank,
                rice_score=rice_score(v.get("reach"), v.get("impact"), v.get("confidence"), v.get("effort")),
                scorecard_score=scorecard_score(criteria, plan.criteria),
                created_by=actor.user,
                updated_by=actor.user,
                created_at=now,
                updated_at=now,
                **values,
            )
        )
    Feature.objects.bulk_create(features, batch_size=1000)
    tag_ids = refs.tags_ensure(product, {n for p in planned for n in p.tags})
    pairs = [(f.pk, tag_ids[n.casefold()].pk) for f, p in zip(features, planned, strict=True) for n in p.tags]
    scored = [(f.pk, c, value) for f, p in zip(features, planned, strict=True) for c, value in p.criteria.items()]
    event = score_event(product_id=product.pk, actor=actor, cause=ScoreCause.IMPORTED,
                        detail={"count": len(features)})  # fmt: skip
    if connection.vendor == "postgresql":
        _insert_set_based([f.pk for f in features], pairs, scored, event.pk, now)
    else:
        through = Feature.tags.through
        through.objects.bulk_create([through(feature_id=f, tag_id=t) for f, t in pairs], batch_size=2000)
        CriterionValue.objects.bulk_create(
            [CriterionValue(feature_id=f, criterion_id=c, value=value) for f, c, value in scored], batch_size=2000
        )
        ScoreHistory.objects.bulk_create(
            [ScoreHistory(event=event, feature_id=f.pk, rice_score=f.rice_score, scorecard_score=f.scorecard_score,
                          rank=f.rank, created_at=now) for f in features],
            batch_size=2000,
        )  # fmt: skip
    record_activity(actor, "features_imported", product, {"features": {"from": None, "to": len(features)}})
    schedule_progress_refresh({f.initiative_id for f in features})
    return [f.pk for f in features]


def _insert_set_based(
    feature_ids: list[int], pairs: list[tuple[int, int]], values: list[tuple[int, int, int]], event_id: int, now: Any
) -> None:
    """The rows that hang off the new features, each kind in ONE statement from arrays (no model
    objects): tag links, scorecard values, and the score history (INSERT … SELECT from the features)."""
    tags_table = Feature.tags.through._meta.db_table
    with connection.cursor() as cursor:
        if pairs:
            cursor.execute(
                f"INSERT INTO {tags_table} (feature_id, tag_id) SELECT * FROM unnest(%s::bigint[], %s::bigint[])",  # noqa: S608 - a model's table name
                [[f for f, _ in pairs], [t for _, t in pairs]],
            )
        if values:
            cursor.execute(
                "INSERT INTO backlog_criterionvalue (feature_id, criterion_id, value) "
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::smallint[])",
                [[f for f, _, _ in values], [c for _, c, _ in values], [v for _, _, v in values]],
            )
        cursor.execute(
            "INSERT INTO backlog_scorehistory (event_id, feature_id, rice_score, scorecard_score, rank, created_at) "
            "SELECT %s, id, rice_score, scorecard_score, rank, %s FROM backlog_feature WHERE id = ANY(%s)",
            [event_id, now, feature_ids],
        )


# --- import jobs (between the page steps) -------------------------------------------------------------


@transaction.atomic
def import_job_create(*, actor: Actor, product: Product, content: bytes, filename: str = "") -> ImportJob:
    """Keep an upload for the next steps (read and checked now; mapping guessed). Jobs older than a
    day are deleted first (one DELETE), so uploads do not pile up."""
    ImportJob.objects.filter(created_at__lt=timezone.now() - IMPORT_JOB_TTL).delete()
    if actor.user is None:
        raise ValidationError("Sign in to import.", fields={"file": ["Sign in to import."]})
    parsed = read_csv(content)
    criteria = list(ScorecardCriterion.objects.filter(product_id=product.pk).order_by("position", "id"))
    mapping = guess_mapping(parsed.headers, criteria)
    text, _ = decode(content)
    return ImportJob.objects.create(
        product=product,
        created_by=actor.user,
        filename=filename[:200],
        text=text,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        mapping={str(k): v for k, v in mapping.items()},
    )


def import_job_of(*, actor: Actor, product: Product, job_id: int) -> ImportJob:
    """The caller's own recent upload for this product (NotFound otherwise, e.g. after a day)."""
    job = ImportJob.objects.filter(
        pk=job_id,
        product_id=product.pk,
        created_by_id=actor.user.pk if actor.user else None,
        created_at__gte=timezone.now() - IMPORT_JOB_TTL,
    ).first()
    if job is None:
        raise NotFound("This upload is gone (uploads are kept for a day). Upload the file again.")
    return job


def job_parsed(job: ImportJob) -> ParsedCsv:
    return parse_text(job.text, encoding=job.encoding, delimiter=job.delimiter)


def job_mapping(job: ImportJob) -> dict[int, str]:
    return {int(k): v for k, v in job.mapping.items()}


@transaction.atomic
def import_job_set_mapping(*, job: ImportJob, mapping: Mapping[Any, Any]) -> dict[int, str]:
    parsed = job_parsed(job)
    criteria = list(ScorecardCriterion.objects.filter(product_id=job.product_id))
    cleaned = clean_mapping(mapping, parsed.headers, criteria)
    job.mapping = {str(k): v for k, v in cleaned.items()}
    job.save(update_fields=["mapping"])
    return cleaned


@transaction.atomic
def import_job_run(*, actor: Actor, job: ImportJob, clean_rows_only: bool) -> ImportResult:
    """Import an upload with its mapping (once: a second run is refused)."""
    locked = ImportJob.objects.select_for_update().select_related("product").get(pk=job.pk)
    if locked.status == ImportJobStatus.IMPORTED:
        raise ValidationError("This file was imported already.", fields={"file": ["Imported already."]})
    result = features_import(
        actor=actor, product=locked.product, parsed=job_parsed(locked), mapping=job_mapping(locked),
        clean_rows_only=clean_rows_only,
    )  # fmt: skip
    locked.status, locked.created_count = ImportJobStatus.IMPORTED, result.created
    locked.save(update_fields=["status", "created_count"])
    return result
