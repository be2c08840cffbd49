"""pmtool.api.versioned: the write-with-version path, the ETag, the shared serializers, on a
test-only view of a real versioned model (Product) wired through a urls override."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.urls import include, path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.api.serializers import StrictSerializer
from pmtool.api.versioned import (
    IF_MATCH,
    VERSION_HELP,
    PageFilterSerializer,
    VersionSerializer,
    etag,
    no_content,
    version_field,
    versioned_response,
    write_with_version,
)
from pmtool.api.views import ApiView, validated
from pmtool.models import Product
from pmtool.permissions import access_object
from pmtool.versioning import delete_versioned, lock_version, save_changes

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.urls(__name__)]


# --- a versioned object's service and view, as an app would write them ----------------------


@transaction.atomic
def _rename(product_id: int, version: int, name: str) -> Product:
    locked = lock_version(Product.objects.all(), product_id, version, what="product")
    save_changes(locked, {"name": name})
    return locked


@transaction.atomic
def _delete(product_id: int, version: int) -> None:
    delete_versioned(Product.objects.all(), product_id, version, what="product")


class _RenameSerializer(StrictSerializer):
    version = version_field()
    name = serializers.CharField(max_length=120)


def _body(product: Product) -> dict[str, Any]:
    return {"id": product.pk, "name": product.name, "version": product.version}


class _ProductView(ApiView):
    def get(self, request: Request, product_id: int) -> Response:
        product = access_object(request.user, Product.objects.all(), product_id, what="product").obj
        return versioned_response(_body(product), product.version)

    def patch(self, request: Request, product_id: int) -> Response:
        access_object(request.user, Product.objects.all(), product_id, what="product", write=True)
        data = validated(_RenameSerializer, request.data)
        return write_with_version(
            request,
            data,
            lambda version: _rename(product_id, version, data["name"]),
            lambda product: versioned_response(_body(product), product.version),
        )

    def delete(self, request: Request, product_id: int) -> Response:
        access_object(request.user, Product.objects.all(), product_id, what="product", write=True)
        data = validated(VersionSerializer, request.data)
        return write_with_version(request, data, lambda version: _delete(product_id, version), no_content)


urlpatterns = [
    path("test/products/<int:product_id>/", _ProductView.as_view()),
    path("", include("pmtool.urls")),
]


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def editor(team: Any, api_as: Any) -> Any:
    return api_as(team.editor)


def _url(product: Product) -> str:
    return f"/test/products/{product.pk}/"


def _unchanged(product: Product) -> None:
    fresh = Product.objects.get(pk=product.pk)
    assert (fresh.name, fresh.version) == (product.name, product.version)


# --- reads -----------------------------------------------------------------------------------


def test_a_versioned_response_carries_a_strong_etag(editor: Any, product: Product) -> None:
    response = editor.get(_url(product))
    assert response.status_code == 200
    assert response["ETag"] == f'"{product.version}"' == etag(product.version)
    assert response.json()["version"] == product.version


def test_an_outsider_and_a_missing_id_get_the_same_404(team: Any, api_as: Any, product: Product) -> None:
    outsider = api_as(team.outsider).get(_url(product))
    missing = api_as(team.editor).get(f"/test/products/{product.pk + 999}/")
    assert outsider.status_code == missing.status_code == 404
    assert (
        outsider.json()
        == missing.json()
        == {"error": {"code": "not_found", "message": "Product not found.", "fields": {}}}
    )


def test_a_viewer_may_read_but_not_write(team: Any, api_as: Any, product: Product) -> None:
    viewer = api_as(team.viewer)
    assert viewer.get(_url(product)).status_code == 200
    response = viewer.patch(_url(product), {"name": "Nova", "version": product.version}, format="json")
    assert response.status_code == 403
    _unchanged(product)


# --- updates ---------------------------------------------------------------------------------


def test_a_body_version_updates_and_answers_the_new_etag(editor: Any, product: Product) -> None:
    response = editor.patch(_url(product), {"name": "Nova", "version": product.version}, format="json")
    assert response.status_code == 200
    assert response["ETag"] == f'"{product.version + 1}"'
    assert Product.objects.get(pk=product.pk).name == "Nova"


def test_if_match_updates(editor: Any, product: Product) -> None:
    response = editor.patch(_url(product), {"name": "Nova"}, format="json", HTTP_IF_MATCH=f'"{product.version}"')
    assert response.status_code == 200 and response.json()["version"] == product.version + 1


def test_the_same_version_in_body_and_if_match_is_fine(editor: Any, product: Product) -> None:
    v = product.version
    response = editor.patch(_url(product), {"name": "Nova", "version": v}, format="json", HTTP_IF_MATCH=f'"{v}"')
    assert response.status_code == 200


def test_a_stale_body_version_is_409_with_the_current_version(editor: Any, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(version=5)
    response = editor.patch(_url(product), {"name": "Nova", "version": 4}, format="json")
    assert response.status_code == 409
    assert response["ETag"] == '"5"'
    error = response.json()["error"]
    assert error["code"] == "stale_version"
    assert error["fields"] == {"version": ["The current version is 5."]}
    assert "you edited version 4, it is now at version 5" in error["message"]
    assert Product.objects.get(pk=product.pk).name == "Atlas"


def test_a_stale_if_match_is_412(editor: Any, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(version=5)
    response = editor.patch(_url(product), {"name": "Nova"}, format="json", HTTP_IF_MATCH='"4"')
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "stale_version"
    assert response["ETag"] == '"5"'
    assert Product.objects.get(pk=product.pk).name == "Atlas"


def test_a_weak_tag_never_satisfies_if_match(editor: Any, product: Product) -> None:
    response = editor.patch(_url(product), {"name": "Nova"}, format="json", HTTP_IF_MATCH=f'W/"{product.version}"')
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "weak_etag"
    _unchanged(product)


@pytest.mark.parametrize("header", ["v3", "*", '"abc"', '"1", "2"', '"-1"', ""])
def test_a_malformed_if_match_is_400(editor: Any, product: Product, header: str) -> None:
    response = editor.patch(_url(product), {"name": "Nova"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_if_match"
    _unchanged(product)


def test_no_version_at_all_is_400_naming_version(editor: Any, product: Product) -> None:
    response = editor.patch(_url(product), {"name": "Nova"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"version": ["This field is required (or send If-Match)."]}
    _unchanged(product)


def test_different_versions_in_body_and_if_match_are_400(editor: Any, product: Product) -> None:
    v = product.version
    response = editor.patch(_url(product), {"name": "Nova", "version": v}, format="json", HTTP_IF_MATCH=f'"{v + 1}"')
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["version"]
    _unchanged(product)


# --- deletes ---------------------------------------------------------------------------------


def test_a_delete_needs_the_version(editor: Any, product: Product) -> None:
    response = editor.delete(_url(product), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["version"]
    assert Product.objects.filter(pk=product.pk).exists()


def test_a_stale_delete_is_409_and_deletes_nothing(editor: Any, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(version=product.version + 1)
    response = editor.delete(_url(product), {"version": product.version}, format="json")
    assert response.status_code == 409
    assert Product.objects.filter(pk=product.pk).exists()


def test_a_delete_with_the_version_is_204(editor: Any, product: Product) -> None:
    assert editor.delete(_url(product), HTTP_IF_MATCH=f'"{product.version}"').status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()


# --- shared schema pieces ----------------------------------------------------------------------


def test_the_shared_schema_pieces() -> None:
    assert IF_MATCH.name == "If-Match" and IF_MATCH.location == "header"
    field = VersionSerializer().fields["version"]
    assert not field.required and field.help_text == VERSION_HELP and field.min_value == 1
    page = PageFilterSerializer(data={"page_size": 0})
    assert not page.is_valid() and list(page.errors) == ["page_size"]
    assert PageFilterSerializer(data={"cursor": "abc", "page_size": 200}).is_valid()
