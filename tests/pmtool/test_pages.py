"""pmtool.pages: the edit page with its conflict panel, the service form page (the form maps itself
to the service), the delete confirmation, the filtered list with its htmx partial; test-only views
of a real versioned model (Product), wired by a urls override and drawn with the real partial
templates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path
from django.utils.text import slugify

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_name
from pmtool.models import ActivityEvent, LifecycleStage, Product, Role
from pmtool.pages import (
    VERSION_MISSING,
    ServiceForm,
    VersionField,
    delete_page,
    edit_page,
    filtered_list,
    redirect_saying,
    service_delete_page,
    service_form_page,
    without_version,
)
from pmtool.permissions import access_object
from pmtool.versioning import delete_versioned, lock_version, save_changes
from pmtool.views import workspace_page

from ..factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.urls(__name__)]


# --- a versioned object's service and pages, as an app would write them ------------------------


@transaction.atomic
def _rename(product_id: int, version: int, name: str) -> Product:
    locked = lock_version(Product.objects.all(), product_id, version, what="product")
    save_changes(locked, {"name": clean_name(name)})
    return locked


class _NameForm(forms.Form):
    name = forms.CharField(max_length=200, strip=False)
    version = VersionField()


class _ServiceNameForm(ServiceForm):
    name = forms.CharField(max_length=200, strip=False)
    version = VersionField()

    @classmethod
    def initial_for(cls, product: Product) -> dict[str, Any]:
        return {"name": product.name, "version": product.version}

    def arguments(self) -> dict[str, Any]:
        return {"name": self.cleaned_data["name"]}


@transaction.atomic
def _product_create(*, actor: Actor, workspace: Any, name: str) -> Product:
    product = Product.objects.create(workspace=workspace, name=clean_name(name), slug=slugify(name)[:60])
    record_activity(actor, "created", product, {"name": {"from": None, "to": product.name}})
    return product


@transaction.atomic
def _product_rename(*, actor: Actor, product_id: int, version: int, name: str) -> Product:
    locked = lock_version(Product.objects.all(), product_id, version, what="product")
    record_activity(actor, "updated", locked, save_changes(locked, {"name": clean_name(name)}))
    return locked


@transaction.atomic
def _product_delete(*, actor: Actor, product_id: int, version: int) -> None:
    def record(locked: Product) -> None:
        record_activity(actor, "deleted", locked, {"name": {"from": locked.name, "to": None}})

    delete_versioned(Product.objects.all(), product_id, version, what="product", before=record)


class _FilterForm(forms.Form):
    stage = forms.ChoiceField(choices=[("", "Any"), *LifecycleStage.choices], required=False)


def _product(request: HttpRequest, product_id: int) -> Product:
    return access_object(request.user, Product.objects.all(), product_id, what="product", write=True).obj


@workspace_page(minimum=Role.EDITOR)
def _edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    form = _NameForm(
        request.POST if request.method == "POST" else None, initial={"name": product.name, "version": product.version}
    )
    return edit_page(
        request,
        form=form,
        template="partials/edit_page.html",
        context={"heading": "Edit product", "what": "product", "cancel_url": "/"},
        save=lambda data: _rename(product.pk, data["version"], data["name"]),
        saved=lambda saved: redirect("/saved/"),
        shown=lambda current: [("Name", current.name), ("Stage", current.get_stage_display())],
    )


@workspace_page(minimum=Role.EDITOR)
def _service_create(request: HttpRequest) -> HttpResponse:
    return service_form_page(
        request,
        form=without_version(_ServiceNameForm(request.POST if request.method == "POST" else None)),
        service=_product_create,
        ids={"workspace": request.workspace},  # type: ignore[attr-defined]
        saved=redirect_saying(request, "/created/", lambda product: f"Created “{product.name}”."),
        template="partials/edit_page.html",
        context={"heading": "New product", "what": "product", "cancel_url": "/"},
    )


@workspace_page(minimum=Role.EDITOR)
def _service_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    return service_form_page(
        request,
        form=_ServiceNameForm(
            request.POST if request.method == "POST" else None, initial=_ServiceNameForm.initial_for(product)
        ),
        service=_product_rename,
        ids={"product_id": product.pk},
        saved=redirect_saying(request, "/saved/", lambda saved: f"Saved “{saved.name}”."),
        template="partials/edit_page.html",
        context={"heading": "Edit product", "what": "product", "cancel_url": "/"},
        shown=lambda current: [("Name", current.name)],
    )


@workspace_page(minimum=Role.EDITOR)
def _service_delete(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)
    return service_delete_page(
        request,
        obj=product,
        service=_product_delete,
        ids={"product_id": product.pk},
        deleted=redirect_saying(request, "/deleted/", lambda gone: f"Deleted “{gone.name}”."),
        context={"what": "product", "cancel_url": "/"},
    )


@workspace_page(minimum=Role.EDITOR)
def _delete(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _product(request, product_id)

    @transaction.atomic
    def delete(version: int) -> None:
        delete_versioned(Product.objects.all(), product.pk, version, what="product")

    return delete_page(
        request,
        obj=product,
        delete=delete,
        deleted=lambda: redirect("/deleted/"),
        context={"what": "product", "cancel_url": "/"},
    )


@workspace_page()
def _list(request: HttpRequest) -> HttpResponse:
    workspace = request.workspace  # type: ignore[attr-defined]
    return filtered_list(
        request,
        form=_FilterForm(request.GET or None),
        rows=lambda filters: Product.objects.filter(workspace=workspace, **filters).order_by("name"),
        template="blocks_test/product_list.html",
        partial="rows",
        context={},
        per_page=2,
    )


urlpatterns = [
    path("w/<slug:ws>/test/products/<int:product_id>/edit/", _edit),
    path("w/<slug:ws>/test/products/<int:product_id>/delete/", _delete),
    path("w/<slug:ws>/test/products/", _list),
    path("w/<slug:ws>/test/products/new/", _service_create),
    path("w/<slug:ws>/test/products/<int:product_id>/rename/", _service_edit),
    path("w/<slug:ws>/test/products/<int:product_id>/remove/", _service_delete),
    path("", include("pmtool.urls")),
]


@pytest.fixture(autouse=True)
def _test_templates(settings: Any) -> None:
    engine = {**settings.TEMPLATES[0]}
    engine["DIRS"] = [*engine["DIRS"], Path(__file__).parent / "templates"]
    settings.TEMPLATES = [engine]


@pytest.fixture
def editor(team: Any, client: Any) -> Any:
    client.force_login(team.editor)
    return client


def _edit_url(product: Product) -> str:
    return f"/w/acme/test/products/{product.pk}/edit/"


def _delete_url(product: Product) -> str:
    return f"/w/acme/test/products/{product.pk}/delete/"


# --- the service form page ----------------------------------------------------------------------


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_a_service_form_page_creates_with_the_forms_arguments_and_no_version(
    editor: Any, team: Any, product: Product
) -> None:
    page = editor.get("/w/acme/test/products/new/")
    assert page.status_code == 200 and 'name="version"' not in page.content.decode()
    response = editor.post("/w/acme/test/products/new/", {"name": "Nova"})
    assert response.status_code == 302 and response["Location"] == "/created/"
    assert _messages(response) == ["Created “Nova”."]
    created = Product.objects.get(workspace=team.workspace, slug="nova")
    event = ActivityEvent.objects.get(target_id=created.pk, action="created")
    assert (event.actor_user, event.product_id, event.workspace_id) == (team.editor, created.pk, team.workspace.pk)


def test_a_service_form_page_edits_with_the_version_read(editor: Any, team: Any, product: Product) -> None:
    url = f"/w/acme/test/products/{product.pk}/rename/"
    assert f'name="version" value="{product.version}"' in editor.get(url).content.decode()
    response = editor.post(url, {"name": "Nova", "version": product.version})
    assert response.status_code == 302 and _messages(response) == ["Saved “Nova”."]
    assert Product.objects.get(pk=product.pk).name == "Nova"
    event = ActivityEvent.objects.get(target_id=product.pk, action="updated")
    assert (event.actor_user, event.changes) == (team.editor, {"name": {"from": "Atlas", "to": "Nova"}})
    stale = editor.post(url, {"name": "Mine", "version": product.version})
    assert stale.status_code == 409 and '<dd class="prewrap">Nova</dd>' in stale.content.decode()
    invalid = editor.post(url, {"name": "", "version": product.version + 1})
    assert invalid.status_code == 400 and Product.objects.get(pk=product.pk).name == "Nova"


def test_a_service_delete_page_deletes_the_version_posted(editor: Any, team: Any, product: Product) -> None:
    url = f"/w/acme/test/products/{product.pk}/remove/"
    assert f'name="version" value="{product.version}"' in editor.get(url).content.decode()
    Product.objects.filter(pk=product.pk).update(version=product.version + 1)
    assert editor.post(url, {"version": product.version}).status_code == 409
    response = editor.post(url, {"version": product.version + 1})
    assert response.status_code == 302 and response["Location"] == "/deleted/"
    assert _messages(response) == ["Deleted “Atlas”."] and not Product.objects.filter(pk=product.pk).exists()
    event = ActivityEvent.objects.get(target_id=product.pk, action="deleted")
    assert (event.actor_user, event.changes) == (team.editor, {"name": {"from": "Atlas", "to": None}})


# --- the edit page -----------------------------------------------------------------------------


def test_the_edit_form_carries_the_version_read_as_a_hidden_field(editor: Any, product: Product) -> None:
    page = editor.get(_edit_url(product))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'type="hidden" name="version" value="{product.version}"' in html
    assert 'value="Atlas"' in html and "Someone else saved" not in html


def test_a_save_with_the_current_version_applies_and_redirects(editor: Any, product: Product) -> None:
    response = editor.post(_edit_url(product), {"name": "Nova", "version": product.version})
    assert response.status_code == 302 and response["Location"] == "/saved/"
    assert Product.objects.get(pk=product.pk).version == product.version + 1


def test_a_stale_save_keeps_the_input_and_shows_the_current_values(editor: Any, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(name="Renamed elsewhere", version=product.version + 1)
    response = editor.post(_edit_url(product), {"name": "My edit", "version": product.version})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this product while you were editing" in html
    assert 'value="My edit"' in html  # the user's input is kept
    assert '<dd class="prewrap">Renamed elsewhere</dd>' in html  # the current value is shown
    assert f'name="version" value="{product.version + 1}"' in html  # saving again applies on top
    assert Product.objects.get(pk=product.pk).name == "Renamed elsewhere"
    again = editor.post(_edit_url(product), {"name": "My edit", "version": product.version + 1})
    assert again.status_code == 302 and Product.objects.get(pk=product.pk).name == "My edit"


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_a_save_without_the_version_is_refused_never_defaulted(editor: Any, product: Product, version: Any) -> None:
    data = {"name": "Nova"} if version is None else {"name": "Nova", "version": version}
    response = editor.post(_edit_url(product), data)
    assert response.status_code == 400
    assert VERSION_MISSING.replace("'", "&#x27;") in response.content.decode()
    assert Product.objects.get(pk=product.pk).name == "Atlas"


def test_a_service_error_is_shown_beside_the_field(editor: Any, product: Product) -> None:
    response = editor.post(_edit_url(product), {"name": "a\x00b", "version": product.version})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert Product.objects.get(pk=product.pk).version == product.version


def test_a_viewer_cannot_open_the_edit_page(team: Any, client: Any, product: Product) -> None:
    client.force_login(team.viewer)
    assert client.get(_edit_url(product)).status_code == 403


# --- the delete confirmation -------------------------------------------------------------------


def test_the_confirmation_posts_the_version(editor: Any, product: Product) -> None:
    page = editor.get(_delete_url(product))
    html = page.content.decode()
    assert page.status_code == 200 and "Delete product “Atlas”?" in html
    assert f'name="version" value="{product.version}"' in html


def test_a_delete_without_the_version_is_refused(editor: Any, product: Product) -> None:
    response = editor.post(_delete_url(product), {})
    assert response.status_code == 400
    assert Product.objects.filter(pk=product.pk).exists()


def test_a_stale_delete_asks_again_with_the_current_version(editor: Any, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(name="Atlas 2", version=product.version + 1)
    response = editor.post(_delete_url(product), {"version": product.version})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this product since you opened this page" in html
    assert f'name="version" value="{product.version + 1}"' in html and "Atlas 2" in html
    assert Product.objects.filter(pk=product.pk).exists()
    assert editor.post(_delete_url(product), {"version": product.version + 1}).status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()


# --- the filtered list -------------------------------------------------------------------------


@pytest.fixture
def products(team: Any, product: Product) -> None:
    ProductFactory(workspace=team.workspace, name="Beta", slug="beta", stage=LifecycleStage.IDEA)
    ProductFactory(workspace=team.workspace, name="Gamma", slug="gamma", stage=LifecycleStage.IDEA)
    ProductFactory(workspace=team.other_workspace, name="Not ours", slug="x", stage=LifecycleStage.IDEA)


def _rows(html: str) -> list[str]:
    return re.findall(r'<p class="row">([^<]*)</p>', html)


def test_the_list_filters_and_paginates(editor: Any, products: None) -> None:
    page = editor.get("/w/acme/test/products/", {"stage": "idea"})
    assert page.status_code == 200 and "<html" in page.content.decode()
    assert _rows(page.content.decode()) == ["Beta", "Gamma"]
    assert 'data-filtered="yes"' in page.content.decode()
    assert _rows(editor.get("/w/acme/test/products/", {"page": 2}).content.decode()) == ["Gamma"]


def test_an_htmx_request_gets_the_partial_only(editor: Any, products: None) -> None:
    page = editor.get("/w/acme/test/products/", {"stage": "growth", "page": "1"}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200 and "<html" not in html and html.strip().startswith('<div id="rows"')
    assert _rows(html) == ["Atlas"] and 'data-query="stage=growth"' in html


def test_invalid_filters_show_their_error_and_no_rows(editor: Any, products: None) -> None:
    page = editor.get("/w/acme/test/products/", {"stage": "nonsense"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Select a valid choice." in html and _rows(html) == [] and "No products." in html


def test_the_list_is_a_constant_number_of_queries(
    editor: Any, team: Any, products: None, django_assert_max_num_queries: Any
) -> None:
    editor.get("/w/acme/test/products/")  # warm the session
    for n in range(5):
        ProductFactory(workspace=team.workspace, name=f"More {n}", slug=f"more-{n}")
    with django_assert_max_num_queries(8):
        editor.get("/w/acme/test/products/", HTTP_HX_REQUEST="true")
