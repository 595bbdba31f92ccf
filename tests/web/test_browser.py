"""End to end in real headless Chromium (Debian's package, driven by Playwright) against ``docket serve``.

The server is the real command in its own process, on the lane's database, with the demo data; the demo
users get passwords from ``docket users set-password``. The run saves screenshots of the main pages at
desktop and phone width into docs/screenshots/, which docs/web.md shows.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.clients import REPO, RunningServer, docket_server

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path(os.environ.get("DOCKET_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = REPO / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
SUBMITTER, ADMIN = "submitter@docket.example.org", "admin@docket.example.org"
PASSWORD = "browser test password"
PAYLOAD = '<script>window.__xss = 1; alert("xss")</script><img src=x onerror="window.__xss = 2">'


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; install it with scripts/install-browser.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with docket_server(database_url, tmp_path_factory.mktemp("web-server")) as running:
        for email in (SUBMITTER, ADMIN):
            command = [sys.executable, "-m", "docket.cli", "users", "set-password", "--email", email]
            done = subprocess.run(
                [*command, "--password-stdin", "--database", database_url],
                input=PASSWORD + "\n",
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, done.stderr
        yield running
    assert "Traceback" not in running.log_text(), running.log_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: RunningServer) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url, viewport=DESKTOP)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


def shoot(page: Any, name: str) -> None:
    """Save the page at desktop and phone width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=label == "desktop")
    page.set_viewport_size(DESKTOP)


def test_submitter_journey(page: Any, server: RunningServer) -> None:
    sign_in(page, SUBMITTER)
    assert page.get_by_role("link", name="submitter User").is_visible()
    page.goto("/")
    shoot(page, "home")

    # Create a biosample: alias first, leave the biosource out to see the field error, then pick it.
    alias = f"demo-lab:e2e-{uuid.uuid4().hex[:8]}"
    page.goto("/biosamples/add")
    page.get_by_label("Aliases entry", exact=True).first.fill(alias)
    page.get_by_role("button", name="Create Biosample").click()
    error = page.locator("#f-biosource-errors")
    assert "This field is required." in error.inner_text()
    assert page.locator("#error-summary").is_visible()
    shoot(page, "form-error")

    picker = page.locator("#f-biosource-0")
    picker.press_sequentially("biosource-1", delay=20)
    option = page.locator("#f-biosource-0-list option").first
    option.wait_for(state="attached")
    picker.fill(option.get_attribute("value"))
    page.get_by_role("button", name="Create Biosample").click()
    page.wait_for_url(re.compile(r".*/biosamples/4DNBS\w+/$"))
    item_url = page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("4DNBS")
    assert page.locator("dl.fields a[href^='/biosources/']").count() == 1

    # Edit: a description, and a second alias added with the array's "Add" button.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Description").fill("Made in a real browser")
    page.get_by_role("button", name="Add aliases entry").click()
    page.get_by_label("Aliases entry", exact=True).nth(1).fill(alias + "-b")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(item_url)
    assert "Made in a real browser" in page.locator("dl.fields").inner_text()
    assert alias + "-b" in page.locator("dl.fields").inner_text()
    shoot(page, "item")

    # Find it by faceted search: the Lab facet, then the text.
    page.goto("/search/?type=Biosample")
    page.locator(".facet a", has_text="Demo Lab").click()
    page.get_by_label("Text").fill(alias)
    page.get_by_role("button", name="Search", exact=True).click()
    assert "1 result" in page.locator("#results-heading").inner_text()
    page.get_by_label("Text").fill("")
    page.get_by_role("button", name="Search", exact=True).click()
    shoot(page, "search")
    page.get_by_label("Text").fill(alias)
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator(".results-table a").first.click()
    page.wait_for_url(item_url)

    # An access key from the profile page works with the API.
    page.goto("/account")
    page.get_by_label("Description (optional)").fill("e2e")
    page.get_by_role("button", name="Add access key").click()
    key = page.locator("#new-key-id").inner_text()
    secret = page.locator("#new-key-secret").inner_text()
    assert '"secret"' in page.locator("#keypairs").input_value()
    shoot(page, "account")
    me = httpx.get(f"{server.url}/me", auth=(key, secret), headers={"accept": "application/json"}, timeout=30)
    assert me.json()["email"] == SUBMITTER
    found = httpx.get(f"{server.url}/{alias}", auth=(key, secret), timeout=30).json()
    assert found["description"] == "Made in a real browser"


def test_stored_scripts_are_inert(page: Any, server: RunningServer) -> None:
    alias = f"demo-lab:xss-{uuid.uuid4().hex[:8]}"
    body = {
        "aliases": [alias],
        "biosource_type": "immortalized cell line",
        "cell_line": PAYLOAD,
        "description": PAYLOAD,
        "lab": "demo-lab",
        "award": "DEMO-0001",
        "status": "released",
    }
    posted = httpx.post(f"{server.url}/biosource", json=body, auth=server.auth, timeout=30)
    assert posted.status_code == 201, posted.text
    at_id = posted.json()["@graph"][0]["@id"]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for url in (at_id, "/biosources/", f"/search/?type=Biosource&q={alias}"):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, url
        assert PAYLOAD in page.locator("main").inner_text(), url
    assert dialogs == []


def test_admin_pages(page: Any) -> None:
    sign_in(page, ADMIN)
    page.goto("/admin/users")
    shoot(page, "admin-users")
    page.goto("/admin/release?type=Biosample")
    assert page.get_by_role("button", name="Release selected").is_visible()


def test_upload_and_download_a_small_file(page: Any, server: RunningServer, tmp_path: Path) -> None:
    name = f"e2e-{uuid.uuid4().hex[:8]}.fastq.gz"
    content = os.urandom(300_000)
    body = {"aliases": [f"demo-lab:{name}"], "file_format": "fastq", "filename": name, "lab": "demo-lab"}
    body["award"] = "DEMO-0001"
    posted = httpx.post(f"{server.url}/file_fastq", json=body, auth=server.auth, timeout=30)
    assert posted.status_code == 201, posted.text
    at_id = posted.json()["@graph"][0]["@id"]
    source = tmp_path / name
    source.write_bytes(content)

    sign_in(page, SUBMITTER)
    page.goto(at_id)
    widget = page.locator(".upload")
    widget.evaluate("w => { w.dataset.chunkSize = String(100 * 1024); }")  # several chunks for 300 kB
    page.locator("#upload-file").set_input_files(str(source))
    page.get_by_role("button", name="Upload", exact=True).click()
    page.locator(".upload-status", has_text="Uploaded").wait_for(timeout=15_000)
    assert page.locator(".upload progress").evaluate("p => p.value") == 100
    shoot(page, "file-upload")
    download = page.locator(".file-panel a[download]").get_attribute("href")
    got = httpx.get(f"{server.url}{download}", auth=server.auth, follow_redirects=True, timeout=30)
    assert got.content == content
