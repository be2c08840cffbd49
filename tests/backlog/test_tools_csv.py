"""CSV in and out: the export of a view (streamed, BOM, formula-safe, every column), the import
(encodings, delimiters, the mapping guess, every bad row with its line, nothing imported while a row
is bad unless clean rows only, ranks at the bottom, scores, one score event, one activity event),
and the round trip (export then import gives the same features)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from backlog.models import CriterionValue, Feature, ScoreCause, ScoreEvent, ScoreHistory, Tag
from backlog.selectors.export import safe_cell
from backlog.services import csv_import
from pmtool.errors import ValidationError
from pmtool.models import ActivityEvent
from strategy.services.initiatives import initiative_create
from tests.factories import CriterionFactory, FeatureFactory, ProductFactory, ReleaseFactory, TeamFactory
from tests.harness.queries import api

pytestmark = pytest.mark.django_db


def _export(client: Any, product: Any, query: str = "") -> list[list[str]]:
    response = client.get(f"/api/v1/products/{product.pk}/features/export/{query}")
    assert response.status_code == 200, getattr(response, "content", b"")[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.fixture
def rich(team: Any, product: Any) -> dict[str, Any]:
    """Two features with every column filled, and a plain one."""
    release = ReleaseFactory(product=product, name="R1")
    squad = TeamFactory(workspace=team.workspace, name="Core")
    initiative = initiative_create(actor=team.actor(), workspace=team.workspace, title="Growth", product_id=product.pk)
    value = CriterionFactory(product=product, name="Value", weight=2)
    epic = FeatureFactory(product=product, title="Checkout epic", type="epic")
    first = FeatureFactory(
        product=product, title="=HYPERLINK(evil)", description="Sums", type="improvement", parent=epic,
        owner=team.editor, initiative=initiative, release=release, team=squad, reach=1000, impact=Decimal("2"),
        confidence=80, effort=Decimal("2.5"), rice_score=640.0, moscow="must", scorecard_score=75.0,
        start_date="2026-01-05", due_date="2026-02-01",
    )  # fmt: skip
    first.tags.add(
        Tag.objects.create(workspace=team.workspace, name="mobile"),
        Tag.objects.create(workspace=team.workspace, name="ux"),
    )
    CriterionValue.objects.create(feature=first, criterion=value, value=4)
    plain = FeatureFactory(product=product, title="Plain")
    return {"epic": epic, "first": first, "plain": plain, "criterion": value}


def test_export_has_every_column_and_is_formula_safe(team, product, rich):
    rows = _export(api(team.viewer), product)
    head = rows[0]
    assert head[:3] == ["title", "type", "status"]
    assert head[-3:] == ["scorecard: Value", "rank position", "url"]
    by_title = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    first = by_title["'=HYPERLINK(evil)"]
    assert first["parent"] == "Checkout epic"
    assert first["owner email"] == "editor@acme.test"
    assert first["tags"] == "mobile, ux"
    assert (first["initiative"], first["release"], first["team"]) == ("Growth", "R1", "Core")
    assert (first["reach"], first["impact"], first["confidence"], first["effort"]) == ("1000", "2", "80", "2.5")
    assert (first["rice_score"], first["scorecard_score"], first["moscow"]) == ("640.00", "75.00", "must")
    assert (first["start"], first["due"], first["scorecard: Value"]) == ("2026-01-05", "2026-02-01", "4")
    assert first["rank position"] == "2"
    assert first["url"] == f"http://testserver/w/acme/features/{rich['first'].pk}/"
    assert by_title["Plain"]["reach"] == ""


def test_export_follows_the_view_filter_and_sort(team, product, rich):
    rows = _export(api(team.viewer), product, "?type=epic&type=feature&sort=title")
    assert [r[0] for r in rows[1:]] == ["Checkout epic", "Plain"]
    bad = api(team.viewer).get(f"/api/v1/products/{product.pk}/features/export/?sort=loud")
    assert bad.status_code == 400 and "sort" in bad.json()["error"]["fields"]
    unknown = api(team.viewer).get(f"/api/v1/products/{product.pk}/features/export/?colour=red")
    assert unknown.status_code == 400


def test_safe_cell_prefixes_formula_starts():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Plain") == "Plain"


def test_a_big_export_streams_from_one_query(team, product, django_assert_max_num_queries):
    from backlog.selectors import export
    from pmtool.ranking import even_keys

    status = FeatureFactory(product=product).status
    Feature.objects.bulk_create(
        Feature(product=product, title=f"F{i}", status=status, rank=key) for i, key in enumerate(even_keys(5000)[1:])
    )
    old, export.EXPORT_CHUNK = export.EXPORT_CHUNK, 1000
    try:
        response = api(team.viewer).get(f"/api/v1/products/{product.pk}/features/export/")
        chunks = iter(response.streaming_content)
        first = next(chunks)
        assert first.startswith(b"\xef\xbb\xbf")  # the header came before any row was read
        with django_assert_max_num_queries(1):  # the rows: one query, streamed by a server-side cursor
            lines = 1 + sum(1 for _ in chunks)
    finally:
        export.EXPORT_CHUNK = old
    assert lines == 1 + 5000  # the header and every feature


# --- reading and mapping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "encoding", "delimiter"),
    [
        ("title;effort\nCafé;2\n".encode(), "utf-8", ";"),
        ("\ufefftitle,effort\nCafé,2\n".encode(), "utf-8-sig", ","),
        ("title\teffort\nCafé\t2\n".encode("latin-1"), "latin-1", "\t"),
    ],
)
def test_encoding_and_delimiter_are_detected(content, encoding, delimiter):
    parsed = csv_import.read_csv(content)
    assert (parsed.encoding, parsed.delimiter) == (encoding, delimiter)
    assert parsed.headers == ["title", "effort"]
    assert parsed.rows == [["Café", "2"]]


def test_size_and_row_limits():
    with pytest.raises(ValidationError):
        csv_import.read_csv(b"title\n" + b"x" * (5 * 1024 * 1024))
    with pytest.raises(ValidationError) as caught:
        csv_import.read_csv(b"title\n" + b"x\n" * 10_001)
    assert "10,000" in caught.value.fields["file"][0]
    with pytest.raises(ValidationError):
        csv_import.read_csv(b"title\n")


def test_the_mapping_is_guessed_by_name(product):
    criterion = CriterionFactory(product=product, name="Revenue")
    headers = ["Summary", "Points", "Assignee", "Labels", "Due date", "Revenue", "Whatever", "Status"]
    assert csv_import.guess_mapping(headers, [criterion]) == {
        0: "title", 1: "effort", 2: "owner", 3: "tags", 4: "due_date", 5: f"criterion:{criterion.pk}", 6: "",
        7: "status",
    }  # fmt: skip


def test_a_mapping_needs_a_title_and_each_field_once(product):
    with pytest.raises(ValidationError) as caught:
        csv_import.clean_mapping({"0": "effort", "1": "effort"}, ["a", "b"], [])
    assert len(caught.value.fields["mapping"]) == 2


# --- validation and import ----------------------------------------------------------------------------


BAD_FILE = (
    "Title,Status,Effort,Owner,Due,Impact,Confidence\n"
    "Good one,Planned,2,editor@acme.test,2026-03-01,1,50\n"
    ",Planned,1,,,,\n"  # line 3: no title
    "Unknown status,Nope,1,,,,\n"  # line 4
    "Zero effort,,0,,,,\n"  # line 5
    "Bad number,,lots,,,,\n"  # line 6
    "Stranger,,1,who@else.test,,,\n"  # line 7
    "Bad date,,1,,31/02/2026,,\n"  # line 8
    "Bad impact,,1,,,7,\n"  # line 9
    f"{'x' * 201},,1,,,,\n"  # line 10: too long
    '"Multi\nline",,1,,,,\n'  # lines 11-12: fine
    "Last good,,3,,,,\n"  # line 13
)


def _run(team: Any, product: Any, content: str, **kwargs: Any) -> csv_import.ImportResult:
    parsed = csv_import.read_csv(content.encode())
    mapping = csv_import.guess_mapping(parsed.headers, [])
    return csv_import.features_import(actor=team.actor(), product=product, parsed=parsed, mapping=mapping, **kwargs)


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(team, product):
    with pytest.raises(ValidationError) as caught:
        _run(team, product, BAD_FILE)
    fields = caught.value.fields
    assert sorted(fields, key=lambda k: int(k.split()[1])) == [f"line {n}" for n in (3, 4, 5, 6, 7, 8, 9, 10)]
    assert fields["line 3"] == ["title: The title is required."]
    assert fields["line 4"][0].startswith("status: Unknown status “Nope”")
    assert fields["line 5"] == ["effort: Effort must be more than 0 person-months."]
    assert fields["line 6"] == ["effort: “lots” is not a number."]
    assert "member of this workspace" in fields["line 7"][0]
    assert "is not a date" in fields["line 8"][0]
    assert fields["line 9"][0].startswith("impact: One of")
    assert "At most 200 characters" in fields["line 10"][0]
    assert "8 of 11 rows have errors" in caught.value.message
    assert not Feature.objects.exists()


def test_clean_rows_only_imports_them_at_the_bottom_scored(team, product):
    existing = FeatureFactory(product=product, title="Already here")
    result = _run(team, product, BAD_FILE, clean_rows_only=True)
    assert result.created == 3 and len(result.errors) == 8
    titles = list(Feature.objects.filter(product=product).order_by("rank").values_list("title", flat=True))
    assert titles == ["Already here", "Good one", "Multi\nline", "Last good"]
    good = Feature.objects.get(title="Good one")
    assert (good.status.name, good.owner, good.effort, good.due_date.isoformat()) == (
        "Planned", team.editor, Decimal("2.00"), "2026-03-01",
    )  # fmt: skip
    assert good.rice_score is None  # no reach: empty, not zero
    assert good.rank > existing.rank
    event = ScoreEvent.objects.get(cause=ScoreCause.IMPORTED)
    assert ScoreHistory.objects.filter(event=event).count() == 3
    activity = ActivityEvent.objects.get(action="features_imported")
    assert activity.changes == {"features": {"from": None, "to": 3}}


def test_dry_run_reports_and_creates_nothing(team, product):
    result = _run(team, product, BAD_FILE, dry_run=True)
    assert (result.created, result.would_create, len(result.errors)) == (0, 3, 8)
    assert not Feature.objects.exists()


def test_round_trip_export_then_import_gives_the_same_features(team, product, rich):
    rows = _export(api(team.viewer), product)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    target = ProductFactory(workspace=team.workspace, slug="copy")
    # The plan items the file names exist in the target too (releases are per product).
    ReleaseFactory(product=target, name="R1")
    CriterionFactory(product=target, name="Value", weight=2)
    initiative_create(actor=team.actor(), workspace=team.workspace, title="Growth", product_id=target.pk)
    parsed = csv_import.read_csv(buffer.getvalue().encode("utf-8-sig"))
    criteria = list(target.scorecard_criteria.all())
    mapping = csv_import.guess_mapping(parsed.headers, criteria)
    mapping[parsed.headers.index("parent")] = ""  # epics are matched among existing ones; the copy has none
    result = csv_import.features_import(actor=team.actor(), product=target, parsed=parsed, mapping=mapping)
    assert result.created == 3, result.errors

    def shape(p: Any) -> list[tuple[Any, ...]]:
        return [
            (f.title, f.type, f.status_id, f.owner_id, f.initiative.title if f.initiative else None,
             f.release.name if f.release else None, f.team_id, f.start_date, f.due_date, f.reach, f.impact,
             f.confidence, f.effort, f.moscow, sorted(t.name for t in f.tags.all()),
             sorted((v.criterion.name, v.value) for v in f.criterion_values.all()))
            for f in Feature.objects.filter(product=p).order_by("rank")
        ]  # fmt: skip

    assert shape(target) == shape(product)
    copied = Feature.objects.get(product=target, title="=HYPERLINK(evil)")
    assert copied.rice_score == pytest.approx(640.0)
    assert copied.scorecard_score == pytest.approx(75.0)


# --- the import API ---------------------------------------------------------------------------------


def _url(product: Any) -> str:
    return f"/api/v1/products/{product.pk}/features/import/"


def test_api_import_multipart(team, product):
    upload = io.BytesIO(b"Summary,Points\nDark mode,3\nExport,2\n")
    upload.name = "features.csv"
    response = api(team.editor).post(_url(product), {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    assert response.json()["mapping"] == {"Summary": "title", "Points": "effort"}
    assert Feature.objects.get(title="Dark mode").effort == Decimal("3")


def test_api_import_with_errors_is_400_naming_the_lines(team, product):
    response = api(team.editor).post(_url(product), {"csv": BAD_FILE}, format="json")
    assert response.status_code == 400
    assert "line 5" in response.json()["error"]["fields"]
    dry = api(team.editor).post(_url(product), {"csv": BAD_FILE, "dry_run": True}, format="json")
    assert dry.status_code == 200 and dry.json()["would_create"] == 3
    assert [e["line"] for e in dry.json()["errors"]] == [3, 4, 5, 6, 7, 8, 9, 10]
    clean = api(team.editor).post(_url(product), {"csv": BAD_FILE, "clean_rows_only": True}, format="json")
    assert clean.status_code == 200 and clean.json()["created"] == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "file"),
        ({"csv": ""}, "file"),
        ({"csv": "a,b\n1,2\n"}, "mapping"),
        ({"csv": "title\nx\n", "mapping": {"title": "nope"}}, "mapping"),
        ({"csv": "title\nx\n", "mapping": "[1]"}, "mapping"),
        ({"csv": "title\nx\n", "dry_run": "perhaps"}, "dry_run"),
        ({"csv": "title\nx\n", "extra": 1}, "extra"),
        ({"csv": "title\nx\x00\n"}, "file"),
    ],
)
def test_api_import_bad_input_is_400(team, product, body, field):
    response = api(team.editor).post(_url(product), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Feature.objects.exists()


def test_export_asked_as_text_csv_still_answers_errors_in_json(team, product):
    client = api(team.viewer)
    url = f"/api/v1/products/{product.pk}/features/export/"
    assert client.get(url, HTTP_ACCEPT="text/csv").status_code == 200
    bad = client.get(url + "?sort=loud&format=csv", HTTP_ACCEPT="text/csv")
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/json")
    assert bad.json()["error"]["fields"]["sort"]
    assert client.get(url + "?archived=").status_code == 400  # an empty filter asks for a value
