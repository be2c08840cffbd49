"""The tool pages: the import steps (upload, mapping with a preview, every bad line named, clean rows
only), bulk edits from the bar (stale rows named in the message), saved views (save this view, the
manage page, rename with a conflict panel, delete) and the CSV export of the page's view."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backlog.models import Feature, ImportJob, SavedView
from backlog.services.saved_views import saved_view_create
from tests.factories import FeatureFactory
from tests.harness.queries import page

pytestmark = pytest.mark.django_db

BASE = "/w/acme/products/{slug}/backlog"
CSV = "Summary,Points,Status\nDark mode,3,Planned\nBroken,0,Nope\nSync,2,\n"


def _base(product: Any) -> str:
    return BASE.format(slug=product.slug)


def _upload(client: Any, product: Any, content: str = CSV) -> str:
    response = client.post(
        f"{_base(product)}/import/", {"file": SimpleUploadedFile("plan.csv", content.encode(), "text/csv")}
    )
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def test_import_steps_name_every_bad_line_and_import_the_clean_rows_only(team, product):
    client = page(team.editor)
    review = _upload(client, product)
    job = ImportJob.objects.get()
    assert job.mapping == {"0": "title", "1": "effort", "2": "status"}

    html = client.get(review).content.decode()
    assert "Line 3: effort: Effort must be more than 0 person-months.; status: Unknown status “Nope”" in html
    assert "1 of 3 rows have errors" in html
    assert "selected>Title</option>" in html  # the mapping is pre-filled
    assert "Import the 2 clean rows only" in html

    mapping = {"column-0": "title", "column-1": "effort", "column-2": "status"}
    refused = client.post(review, {**mapping, "action": "import"})
    assert refused.status_code == 400
    assert "nothing was imported" in refused.content.decode()
    assert not Feature.objects.exists()

    done = client.post(review, {**mapping, "action": "import", "clean_rows_only": "on"})
    assert done.status_code == 302
    assert sorted(Feature.objects.values_list("title", flat=True)) == ["Dark mode", "Sync"]
    again = client.post(review, {**mapping, "action": "import", "clean_rows_only": "on"})
    assert again.status_code == 400 and Feature.objects.count() == 2


def test_changing_the_mapping_updates_the_preview(team, product):
    client = page(team.editor)
    review = _upload(client, product)
    response = client.post(review, {"column-0": "title", "column-1": "", "column-2": "", "action": "preview"})
    assert response.status_code == 200
    assert "All 3 rows are valid" in response.content.decode()
    bad = client.post(review, {"column-0": "", "column-1": "effort", "column-2": "", "action": "preview"})
    assert bad.status_code == 400 and "Choose the column that holds the title." in bad.content.decode()


def test_a_bad_upload_is_explained(team, product):
    response = page(team.editor).post(
        f"{_base(product)}/import/", {"file": SimpleUploadedFile("x.csv", b"title\n", "text/csv")}
    )
    assert response.status_code == 400
    assert "No features below the header row." in response.content.decode()


def test_someone_elses_upload_is_not_found(team, product):
    review = _upload(page(team.admin), product)
    assert page(team.editor).get(review).status_code == 404


def test_bulk_from_the_bar_names_the_stale_rows(team, product):
    features = FeatureFactory.create_batch(3, product=product)
    Feature.objects.filter(pk=features[0].pk).update(version=2)
    client = page(team.editor)
    response = client.post(
        f"{_base(product)}/bulk/",
        {"item": [f"{f.pk}:1" for f in features], "moscow": "must", "next": f"{_base(product)}/views/"},
        follow=True,
    )
    html = response.content.decode()
    assert f"1 of 3 changed since you loaded the page: “{features[0].title}”; the other 2 were updated." in html
    assert sorted(Feature.objects.values_list("moscow", flat=True)) == ["", "must", "must"]


def test_bulk_by_htmx_answers_a_redirect_for_htmx(team, product):
    feature = FeatureFactory(product=product)
    response = page(team.editor).post(
        f"{_base(product)}/bulk/", {"item": [f"{feature.pk}:1"], "archive": "archive"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{_base(product)}/"
    assert Feature.objects.get().archived_at is not None


def test_bulk_without_a_selection_changes_nothing(team, product):
    FeatureFactory(product=product)
    response = page(team.editor).post(f"{_base(product)}/bulk/", {"moscow": "must"}, follow=True)
    assert "Select some features first." in response.content.decode()
    assert Feature.objects.get().version == 1


def test_every_matching_feature_asks_to_confirm_the_count_then_changes_them_all(team, product):
    could = FeatureFactory.create_batch(3, product=product, moscow="could")
    other = FeatureFactory(product=product, moscow="should")
    client = page(team.editor)
    view = f"{_base(product)}/?moscow=could&cursor=abc"  # the view the bar came from (a later page of it)
    body = {"scope": "matching", "moscow": "must", "add_tags": "q3", "next": view}

    confirm = client.post(f"{_base(product)}/bulk/", body)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Change 3 features?" in html
    assert "<dt>MoSCoW</dt><dd>Must have</dd>" in html and "<dt>Add tags</dt><dd>q3</dd>" in html
    assert 'name="expected" value="3"' in html
    assert Feature.objects.filter(moscow="must").count() == 0  # nothing yet

    done = client.post(f"{_base(product)}/bulk/", {**body, "expected": "3"}, follow=True)
    assert done.redirect_chain[-1][0] == view
    assert "3 features updated." in done.content.decode()
    assert sorted(Feature.objects.filter(moscow="must").values_list("id", flat=True)) == sorted(f.pk for f in could)
    assert Feature.objects.get(pk=other.pk).moscow == "should"
    assert all(f.tags.filter(name="q3").exists() for f in Feature.objects.filter(moscow="must"))


def test_every_matching_feature_with_another_count_shows_the_new_one_and_changes_nothing(team, product):
    FeatureFactory.create_batch(4, product=product)
    body = {"scope": "matching", "moscow": "must", "next": f"{_base(product)}/", "expected": "3"}
    response = page(team.editor).post(f"{_base(product)}/bulk/", body)
    assert response.status_code == 409
    html = response.content.decode()
    assert "4 features match it now, not 3. Nothing was changed." in html
    assert 'name="expected" value="4"' in html
    assert not Feature.objects.filter(moscow="must").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"scope": "matching", "next": "/w/acme/products/atlas/backlog/"}, "choose a change to make"),
        ({"scope": "matching", "moscow": "must", "next": "/w/acme/products/atlas/backlog/?sort=nope"}, "not valid"),
        ({"scope": "matching", "moscow": "must", "expected": "0"}, "Nothing changed"),
    ],
)
def test_every_matching_feature_bad_input_changes_nothing(team, product, body, message):
    FeatureFactory(product=product)
    response = page(team.editor).post(f"{_base(product)}/bulk/", body, follow=True)
    assert message in response.content.decode()
    assert Feature.objects.get().version == 1


def test_every_matching_feature_of_an_empty_view_says_so(team, product):
    FeatureFactory(product=product, moscow="could")
    body = {"scope": "matching", "moscow": "must", "next": f"{_base(product)}/?moscow=wont"}
    response = page(team.editor).post(f"{_base(product)}/bulk/", body)
    assert response.status_code == 200
    assert "No feature matches this view" in response.content.decode()
    assert 'name="expected"' not in response.content.decode()


def test_save_this_view_then_manage_it(team, product):
    client = page(team.editor)
    response = client.post(f"{_base(product)}/views/", {"name": "Mobile bugs", "shared": "on", "query": "type=bug"})
    assert response.status_code == 302
    assert response["Location"] == f"{_base(product)}/?type=bug"
    view = SavedView.objects.get()
    listing = client.get(f"{_base(product)}/views/").content.decode()
    assert "Mobile bugs" in listing and f"{_base(product)}/?type=bug" in listing

    edit = f"{_base(product)}/views/{view.pk}/edit/"
    assert client.post(edit, {"name": "Bugs", "version": "1"}).status_code == 302
    stale = client.post(edit, {"name": "Other", "version": "1"})
    assert stale.status_code == 409 and "Bugs" in stale.content.decode()
    assert client.post(f"{_base(product)}/views/{view.pk}/delete/", {"version": "2"}).status_code == 302
    assert not SavedView.objects.exists()


def test_save_a_bad_view_is_refused(team, product):
    response = page(team.editor).post(f"{_base(product)}/views/", {"name": "X", "query": "sort=loud"})
    assert response.status_code == 400
    assert not SavedView.objects.exists()


def test_the_manage_page_lists_mine_and_shared_views(team, product):
    saved_view_create(actor=team.actor(), product=product, name="Shared one", query={}, shared=True)
    saved_view_create(actor=team.actor(), product=product, name="Admin only", query={})
    html = page(team.viewer).get(f"{_base(product)}/views/").content.decode()
    assert "Shared one" in html and "Admin only" not in html


def test_the_export_page_follows_the_view(team, product):
    FeatureFactory(product=product, title="Bug one", type="bug")
    FeatureFactory(product=product, title="Feature one")
    response = page(team.viewer).get(f"{_base(product)}/export.csv?type=bug&page=2")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Bug one" in body and "Feature one" not in body
    assert response["Content-Disposition"] == f'attachment; filename="{product.slug}-backlog.csv"'
    assert page(team.viewer).get(f"{_base(product)}/export.csv?sort=loud").status_code == 400
