"""Helpers for page tests: a browser-like client (Accept: text/html), CSRF tokens read from pages, sign-in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

from docket.services.portal import Portal

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
PASSWORD = "correct horse battery staple"


def csrf(client: TestClient, url: str = "/login") -> str:
    page = client.get(url, headers=HTML)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


def post_form(
    client: TestClient, url: str, data: dict[str, str] | list[tuple[str, str]], page: str | None = None
) -> Response:
    token = csrf(client, page or url)
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    fields: dict[str, list[str]] = {"csrf_token": [token]}
    for name, value in pairs:
        fields.setdefault(name, []).append(value)
    return client.post(url, data=fields, headers=HTML, follow_redirects=False)


def give_password(portal: Portal, email: str, password: str = PASSWORD) -> None:
    user = portal.accounts.user_by_email(email)
    assert user is not None
    portal.passwords.set_password(user, password)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    response = post_form(client, "/login", {"email": email, "password": password, "next": "/"})
    assert response.status_code == 303, response.text
    return response
