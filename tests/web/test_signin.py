"""Sign-in with password and TOTP, sessions in cookies, CSRF on every form, sign-out, the 2FA policy, the CLI."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pyotp
from fastapi.testclient import TestClient

from docket.api.app import create_app
from docket.services.portal import Portal
from tests.factories import Factory
from tests.web.pages import HTML, PASSWORD, csrf, give_password, post_form, sign_in


def test_sign_in_sets_an_httponly_samesite_cookie_and_signs_out(
    client: TestClient, portal: Portal, factory: Factory
) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    response = sign_in(client, user.email)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in tests; https requests get Secure (secure_cookies=auto)
    account = client.get("/account", headers=HTML)
    assert account.status_code == 200 and user.email in account.text
    assert client.get("/me").json()["email"] == user.email  # the API honours the session for reads

    assert post_form(client, "/logout", {}, page="/account").status_code == 303
    assert client.get("/account", headers=HTML, follow_redirects=False).headers["location"] == "/login?next=/account"


def test_wrong_password_and_unknown_email_read_the_same(client: TestClient, portal: Portal, factory: Factory) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    wrong = post_form(client, "/login", {"email": user.email, "password": "nope nope nope"})
    unknown = post_form(client, "/login", {"email": "nobody@example.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 400
    assert "do not match an account" in wrong.text and "do not match an account" in unknown.text


def test_every_form_needs_the_csrf_token(client: TestClient, portal: Portal, factory: Factory) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    forged = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=HTML)
    assert forged.status_code == 403
    sign_in(client, user.email)
    for url in ("/account/keys", "/biosamples/add", "/logout", "/admin/release"):
        assert client.post(url, data={"csrf_token": "forged"}, headers=HTML).status_code == 403, url
    # API writes on a browser session need the token in a header, so another site's form cannot make them.
    assert client.post("/access-keys/", json={}).status_code == 403
    token = csrf(client, "/account")
    assert client.post("/access-keys/", json={}, headers={"x-csrf-token": token}).status_code == 201


def test_next_never_leaves_the_site(client: TestClient, portal: Portal, factory: Factory) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": target})
        assert response.headers["location"] == "/"


def test_forged_or_tampered_cookie_is_anonymous(client: TestClient, portal: Portal, factory: Factory) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    sign_in(client, user.email)
    token = client.cookies["docket_session"]
    payload, signature = token.split(".")
    client.cookies.clear()
    client.cookies.set("docket_session", payload + "." + signature[::-1])
    assert client.get("/account", headers=HTML, follow_redirects=False).status_code == 303


def test_password_change_ends_other_sessions(portal: Portal, factory: Factory) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    with TestClient(create_app(portal)) as first, TestClient(create_app(portal)) as second:
        sign_in(first, user.email)
        sign_in(second, user.email)
        changed = post_form(
            first,
            "/account/password",
            {"current": PASSWORD, "new": "another long password", "confirm": "another long password"},
        )
        assert changed.status_code == 200 and "Password changed" in changed.text
        assert first.get("/account", headers=HTML, follow_redirects=False).status_code == 200
        assert second.get("/account", headers=HTML, follow_redirects=False).status_code == 303


def test_two_factor_enrollment_then_sign_in_with_a_code(client: TestClient, portal: Portal, factory: Factory) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    sign_in(client, user.email)
    page = client.get("/account/two-factor", headers=HTML)
    assert "<svg" in page.text  # the QR code, drawn on the server
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)[1]  # type: ignore[index]
    mac = re.search(r'name="secret_mac" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    wrong = post_form(client, "/account/two-factor", {"secret": secret, "secret_mac": mac, "code": "000000"})
    assert wrong.status_code == 400
    tampered = post_form(client, "/account/two-factor", {"secret": "A" * 32, "secret_mac": mac, "code": "1"})
    assert tampered.headers["location"] == "/account/two-factor"
    code = pyotp.TOTP(secret).now()
    done = post_form(client, "/account/two-factor", {"secret": secret, "secret_mac": mac, "code": code})
    assert done.status_code == 303
    assert "On: signing in asks for a code" in client.get("/account", headers=HTML).text

    post_form(client, "/logout", {}, page="/account")
    first = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "/account"})
    assert first.headers["location"] == "/login/two-factor?next=/account"
    assert client.get("/account", headers=HTML, follow_redirects=False).status_code == 303  # not signed in yet
    bad = post_form(client, "/login/two-factor", {"code": "123456", "next": "/account"})
    assert bad.status_code == 400
    good = post_form(client, "/login/two-factor", {"code": pyotp.TOTP(secret).now(), "next": "/account"})
    assert good.headers["location"] == "/account"
    assert client.get("/account", headers=HTML).status_code == 200


def test_policy_makes_submitters_enroll_before_signing_in(portal: Portal, factory: Factory) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    strict = dataclasses.replace(portal.settings, require_two_factor="submitters")
    original = portal.settings
    portal.settings = strict
    try:
        with TestClient(create_app(portal)) as client:
            response = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "/"})
            assert response.headers["location"] == "/account/two-factor?next=/"
            assert client.get("/account", headers=HTML, follow_redirects=False).status_code == 303
            page = client.get("/account/two-factor", headers=HTML)
            assert "requires two-factor sign-in" in page.text
            secret = re.search(r'name="secret" value="([A-Z2-7]+)"', page.text)[1]  # type: ignore[index]
            mac = re.search(r'name="secret_mac" value="([^"]+)"', page.text)[1]  # type: ignore[index]
            code = pyotp.TOTP(secret).now()
            done = post_form(
                client, "/account/two-factor", {"secret": secret, "secret_mac": mac, "code": code, "next": "/"}
            )
            assert done.headers["location"] == "/"
            assert client.get("/account", headers=HTML).status_code == 200
    finally:
        portal.settings = original


def test_cli_sets_a_password_the_web_accepts(client: TestClient, portal: Portal, database_url: str) -> None:
    command = [sys.executable, "-m", "docket.cli", "users", "set-password", "--email", "first@example.org"]
    command += ["--create", "--admin", "--password-stdin", "--database", database_url]
    done = subprocess.run(command, input=PASSWORD + "\n", capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    short = subprocess.run(
        [*command[:-2], "--database", database_url], input="short\n", capture_output=True, text=True, check=False
    )
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    sign_in(client, "first@example.org")
    assert "Admin" in client.get("/", headers=HTML).text
    assert PASSWORD not in str(portal.store.history(portal.accounts.user_by_email("first@example.org").uuid))  # type: ignore[union-attr]


def test_admin_requires_two_factor_for_submitters_from_the_admin_page(
    client: TestClient, portal: Portal, factory: Factory
) -> None:
    admin = factory.admin()
    submitter = factory.submitter()
    give_password(portal, admin.email)
    give_password(portal, submitter.email)
    post_form(client, "/login", {"email": admin.email, "password": PASSWORD, "next": "/admin"})
    saved = post_form(client, "/admin", {"policy": "submitters"})
    assert saved.status_code == 303
    assert 'value="submitters" selected' in client.get("/admin", headers=HTML).text
    assert post_form(client, "/admin", {"policy": "sometimes"}).status_code == 400
    post_form(client, "/logout", {}, page="/account")

    response = post_form(client, "/login", {"email": submitter.email, "password": PASSWORD, "next": "/"})
    assert response.headers["location"] == "/account/two-factor?next=/"
    client.cookies.clear()

    other = factory.user("reader@example.org")  # submits for no lab: the policy leaves it alone
    give_password(portal, other.email)
    post_form(client, "/login", {"email": other.email, "password": PASSWORD, "next": "/account"})
    assert post_form(client, "/admin", {"policy": "none"}, page="/account").status_code == 403
    assert portal.two_factor.current() == "submitters"


def test_repeated_wrong_passwords_make_sign_in_wait(client: TestClient, portal: Portal, factory: Factory) -> None:
    user = factory.submitter()
    give_password(portal, user.email)
    for _ in range(5):
        wrong = post_form(client, "/login", {"email": user.email, "password": "not the password", "next": "/"})
        assert wrong.status_code == 400
    blocked = post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "/"})
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    portal.throttle.succeeded(f"email:{user.email}", "address:testclient")
    assert post_form(client, "/login", {"email": user.email, "password": PASSWORD, "next": "/"}).status_code == 303
