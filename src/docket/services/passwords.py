"""Passwords and TOTP two-factor codes, for people who sign in to the web pages.

A password is stored as an argon2 hash in ``User.password_hash``; a two-factor secret (base32, as
authenticator apps read it from a QR code) in ``User.totp_secret``. Both are write-only: no frame renders
them. Writing them needs the ``import_items`` permission, so this service writes as the user acting with
admin rights, after the caller (the CLI, or a signed-in page) has decided the change is allowed.
"""

from __future__ import annotations

import hashlib

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from docket.errors import FieldError, ValidationFailed
from docket.services.accounts import Accounts
from docket.services.items import Change, ItemService
from docket.services.principal import Principal
from docket.store.protocol import StoredItem

MIN_PASSWORD_LENGTH = 10
TWO_FACTOR_POLICIES = ("none", "submitters", "everyone")
_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps sign-in equally slow for known and unknown emails.
_DUMMY_HASH = _hasher.hash("no such user: docket dummy password")


def credentials_stamp(user: StoredItem) -> str:
    """Changes whenever the password or two-factor secret changes, which ends every session made before."""
    props = user.properties
    raw = f"{props.get('password_hash', '')}|{props.get('totp_secret', '')}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def two_factor_required(policy: str, user: StoredItem) -> bool:
    """Whether ``policy`` (a ``require_two_factor`` setting value) obliges this user to use a second factor."""
    if policy == "everyone":
        return True
    if policy == "submitters":
        props = user.properties
        return bool(props.get("submits_for")) or "admin" in props.get("groups", [])
    return False


class Passwords:
    def __init__(self, accounts: Accounts, items: ItemService) -> None:
        self.accounts = accounts
        self.items = items

    # -- passwords ----------------------------------------------------------------------------------

    def set_password(self, user: StoredItem, password: str) -> StoredItem:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValidationFailed(
                [FieldError("password", f"A password needs at least {MIN_PASSWORD_LENGTH} characters", ("password",))]
            )
        return self._write(user, {"password_hash": _hasher.hash(password)})

    def verify(self, email: str, password: str) -> StoredItem | None:
        """The active user with this email and password, or None (same answer for unknown email and wrong password)."""
        user = self.accounts.user_by_email(email.strip()) if email.strip() else None
        stored = user.properties.get("password_hash") if user else None
        try:
            _hasher.verify(stored or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not stored or self.accounts.principal_for(user.uuid) is None:
            return None
        return user

    # -- two-factor ---------------------------------------------------------------------------------

    @staticmethod
    def new_totp_secret() -> str:
        return pyotp.random_base32()

    @staticmethod
    def provisioning_uri(secret: str, email: str, issuer: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)

    @staticmethod
    def check_code(secret: str, code: str) -> bool:
        """A code from the current 30-second step, or one step either side (clock drift)."""
        code = "".join(code.split())
        return bool(secret) and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)

    def enroll(self, user: StoredItem, secret: str, code: str) -> StoredItem | None:
        """Store the secret once the user proved their app produces its codes; None when the code is wrong."""
        if not self.check_code(secret, code):
            return None
        return self._write(user, {"totp_secret": secret})

    def remove_two_factor(self, user: StoredItem) -> StoredItem:
        return self._write(user, {}, delete=["totp_secret"])

    def _write(self, user: StoredItem, patch: dict[str, str], delete: list[str] | None = None) -> StoredItem:
        acting = Principal(user_uuid=user.uuid, email=user.properties.get("email"), groups=frozenset({"admin"}))
        change = Change("patch", "User", patch, target=user, delete_fields=delete or [])
        [written] = self.items.write(acting, [change])
        return written
