"""The same URLs answer browsers with pages and API clients with the JSON they always got."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from docket.web.negotiation import prefers_html
from tests.factories import Factory, biosample, biosource
from tests.web.pages import HTML


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("application/json, text/html", False),
        ("text/html", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("application/json;q=0.9, text/html", True),
        ("text/html;q=0.5, application/json", False),
        ("text/*", True),
        ("text/html;q=0", False),
    ],
)
def test_prefers_html(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html


def test_same_urls_serve_json_or_html(client: TestClient, factory: Factory) -> None:
    admin = factory.admin()
    factory.lab()
    source = client.post("/biosource", json=biosource(status="released"), auth=admin.auth).json()["@graph"][0]
    sample = client.post("/biosample", json=biosample(source["uuid"], status="released"), auth=admin.auth)
    sample = sample.json()["@graph"][0]
    for url in ("/", "/biosamples/", sample["@id"], "/search/?type=Biosample"):
        for accept in (None, "*/*", "application/json"):
            headers = {"accept": accept} if accept else {}
            api = client.get(url, headers=headers, auth=admin.auth)
            assert api.headers["content-type"] == "application/json", (url, accept)
            assert api.headers["vary"] == "Accept"
        page = client.get(url, headers=HTML, auth=admin.auth)
        assert page.status_code == 200, (url, page.text)
        assert page.headers["content-type"].startswith("text/html")
    assert client.get(sample["@id"], headers=HTML, params={"format": "json"}).headers["content-type"] == (
        "application/json"
    )


def test_api_only_paths_stay_json_for_browsers(client: TestClient) -> None:
    for url in ("/health", "/profiles/", "/profiles/Biosample.json"):
        assert client.get(url, headers=HTML).headers["content-type"] == "application/json"


def test_views_stay_with_the_api(client: TestClient, factory: Factory) -> None:
    admin = factory.admin()
    factory.lab()
    source = client.post("/biosource", json=biosource(), auth=admin.auth).json()["@graph"][0]
    history = client.get(source["@id"] + "@@history", headers=HTML, auth=admin.auth)
    assert history.headers["content-type"] == "application/json"
    assert history.json()["@type"] == ["History"]


def test_unknown_page_is_an_html_404(client: TestClient) -> None:
    page = client.get("/no-such-thing/", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert client.get("/no-such-thing/").json()["code"] == 404
