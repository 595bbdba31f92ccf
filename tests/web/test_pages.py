"""Browsing pages, escaping of stored content, the profile's access keys and the admin pages."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from docket.services.portal import Portal
from tests.factories import Factory, biosample, biosource
from tests.web.pages import HTML, give_password, post_form, sign_in

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_stored_script_renders_as_text_everywhere(client: TestClient, portal: Portal, factory: Factory) -> None:
    admin = factory.admin()
    give_password(portal, admin.email)
    factory.lab()
    source = biosource(description=PAYLOAD, cell_line=PAYLOAD, override_biosource_name=PAYLOAD)
    posted = client.post("/biosource", json=source, auth=admin.auth)
    assert posted.status_code == 201, posted.text
    item = posted.json()["@graph"][0]
    sample = client.post("/biosample", json=biosample(item["uuid"], description=PAYLOAD), auth=admin.auth)
    assert sample.status_code == 201, sample.text
    sign_in(client, admin.email)
    pages = [
        item["@id"],
        item["@id"] + "edit",
        sample.json()["@graph"][0]["@id"],
        "/biosources/",
        f"/search/?type=Biosource&description={PAYLOAD}",
        "/admin/release?type=Biosource",
    ]
    for url in pages:
        page = client.get(url, headers=HTML)
        assert page.status_code == 200, (url, page.text)
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, url
        assert "&lt;script&gt;alert(" in page.text, url


def test_home_counts_and_search_facets(client: TestClient, factory: Factory) -> None:
    admin = factory.admin()
    factory.lab()
    for _ in range(3):
        client.post("/biosource", json=biosource(status="released"), auth=admin.auth)
    count = client.get("/").json()["collections"]["Biosource"]["count"]
    home = client.get("/", headers=HTML).text
    assert f'<a href="/biosources/">Biosource</a></th><td class="num">{count}</td>' in home

    page = client.get("/search/?type=Biosource", headers=HTML).text
    assert f"{count} results" in page
    for facet in ("Status", "Lab", "Data Type"):
        assert f"<h2>{facet}</h2>" in page
    assert "Lab Lab test-lab" in page or "Lab test-lab" in page  # linked facet terms show titles, not paths
    filtered = client.get("/search/?type=Biosource&lab=/labs/test-lab/&limit=2&sort=date_created", headers=HTML).text
    assert "3 results, 1\u20132" in filtered and 'rel="next"' in filtered
    assert 'aria-label="Remove filter lab: Lab test-lab"' in filtered
    bad = client.get("/search/?type=NoSuchType", headers=HTML)
    assert bad.status_code == 400 and "Invalid type" in bad.text


def test_item_page_links_reverse_links_history_and_audits(client: TestClient, portal: Portal, factory: Factory) -> None:
    admin = factory.admin()
    give_password(portal, admin.email)
    factory.lab()
    source = client.post("/biosource", json=biosource(), auth=admin.auth).json()["@graph"][0]
    sample = client.post("/biosample", json=biosample(source["uuid"]), auth=admin.auth).json()["@graph"][0]
    client.patch(sample["@id"], json={"description": "second revision"}, auth=admin.auth)
    sign_in(client, admin.email)
    page = client.get(sample["@id"], headers=HTML).text
    assert f'<a href="{source["@id"]}">' in page  # the link field links to the biosource
    assert '<h2 id="hist-h">History</h2>' in page and "description" in page
    source_page = client.get(source["@id"], headers=HTML).text
    assert "Linked from" in source_page and f'<a href="{sample["@id"]}">' in source_page
    fastq = client.post(
        "/file_fastq",
        json={
            "aliases": ["test-lab:reads-1"],
            "file_format": "fastq",
            "filename": "r1.fastq.gz",
            "lab": "test-lab",
            "award": "TEST-AWARD-1",
        },
        auth=admin.auth,
    ).json()["@graph"][0]
    file_page = client.get(fastq["@id"], headers=HTML).text
    # downloads are named as fourfront names them: <accession>.<the format's standard extension>
    assert f'href="{fastq["@id"]}@@download/{fastq["accession"]}.fastq.gz"' in file_page
    assert f'data-upload-url="{fastq["@id"]}@@upload/content"' in file_page


def test_profile_key_shown_once_works_with_the_api_and_revokes(
    client: TestClient, portal: Portal, factory: Factory
) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    sign_in(client, user.email)
    made = post_form(client, "/account/keys", {"description": "laptop"}, page="/account")
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    snippet = json.loads(
        re.search(r'<textarea id="keypairs"[^>]*>(.*?)</textarea>', made.text, re.S)[1].replace("&#34;", '"')
    )  # type: ignore[index]
    entry = snippet["default"]
    assert entry["server"] == "http://testserver"
    api = TestClient(client.app)
    assert api.get("/me", auth=(entry["key"], entry["secret"])).json()["email"] == user.email
    again = client.get("/account", headers=HTML).text
    assert entry["key"] in again and entry["secret"] not in again

    revoked = post_form(client, f"/account/keys/{entry['key']}/revoke", {}, page="/account")
    assert revoked.status_code == 303
    assert api.get("/me", auth=(entry["key"], entry["secret"])).status_code == 401


def test_admin_grants_submitter_rights_and_releases(client: TestClient, portal: Portal, factory: Factory) -> None:
    admin = factory.admin()
    give_password(portal, admin.email)
    lab = factory.lab()
    person = factory.user("new@example.org")
    source = client.post("/biosource", json=biosource(), auth=admin.auth).json()["@graph"][0]
    sign_in(client, admin.email)
    page = client.get("/admin/users", headers=HTML)
    assert page.status_code == 200 and "new@example.org" in page.text
    granted = post_form(client, f"/admin/users/{person.uuid}", {"submits_for": lab}, page="/admin/users")
    assert granted.status_code == 303
    me = client.get("/me", auth=person.auth).json()
    assert [lab_["@id"] for lab_ in me["submits_for"]] == ["/labs/test-lab/"]

    listing = client.get("/admin/release?type=Biosource", headers=HTML).text
    assert source["uuid"] in listing
    released = post_form(client, "/admin/release", {"type": "Biosource", "uuid": source["uuid"]}, page="/admin/release")
    assert released.headers["location"] == "/admin/release?type=Biosource&released=1"
    assert client.get(source["@id"]).json()["status"] == "released"

    client.cookies.clear()
    give_password(portal, person.email)
    sign_in(client, person.email)
    assert client.get("/admin/users", headers=HTML).status_code == 403
