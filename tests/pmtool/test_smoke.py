import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_products_page_lists_products_for_a_member(client, team, product):
    client.force_login(team.viewer)
    response = client.get(reverse("product_list", kwargs={"ws": "acme"}))
    assert response.status_code == 200
    assert "Atlas" in response.content.decode()


def test_api_lists_products(api_as, team, product):
    response = api_as(team.viewer).get(f"/api/v1/workspaces/{team.workspace.id}/products/")
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Atlas"]
