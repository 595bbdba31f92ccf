"""Browser sessions: signed tokens the web layer keeps in a cookie, and the CSRF tokens derived from them.

A token is ``base64url(json) . base64url(HMAC-SHA256)`` signed with the portal's secret; nothing is stored
server-side. Every visitor gets one (anonymous ones too, so that the sign-in form has a CSRF token). A token
names the user, how far sign-in got (``stage``), when it expires, and a stamp of the user's credentials:
changing the password or the two-factor secret ends every session made before. Signing out replaces the
token; a copied token stays valid until it expires (``lifetime``), which is why it is short.

Stages: ``full`` (signed in); ``second-factor`` (password right, TOTP code still to give); ``enroll``
(password right, but the two-factor policy requires enrolling an app first). Only ``full`` acts as the user.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, replace

from docket.services.accounts import Accounts
from docket.services.passwords import credentials_stamp
from docket.services.principal import ANONYMOUS, Principal
from docket.store.protocol import StoredItem

COOKIE_NAME = "docket_session"
FULL, SECOND_FACTOR, ENROLL = "full", "second-factor", "enroll"
DEFAULT_LIFETIME = 12 * 3600
# A half-signed-in session (password given, code not yet) lasts only this long.
PENDING_LIFETIME = 600


@dataclass(frozen=True)
class Session:
    nonce: str
    user: str | None = None
    stage: str = ""
    expires: int = 0
    stamp: str = ""

    @property
    def signed_in(self) -> bool:
        return self.user is not None and self.stage == FULL


class Sessions:
    def __init__(self, secret: str, accounts: Accounts, lifetime: int = DEFAULT_LIFETIME) -> None:
        self._key = hashlib.sha256(b"docket-session:" + secret.encode()).digest()
        self.accounts = accounts
        self.lifetime = lifetime

    # -- tokens -------------------------------------------------------------------------------------

    def anonymous(self) -> Session:
        return Session(nonce=secrets.token_urlsafe(16), expires=int(time.time()) + self.lifetime)

    def for_user(self, user: StoredItem, stage: str = FULL) -> Session:
        """A new session (new nonce, so new CSRF tokens) for a user who just proved who they are."""
        lifetime = self.lifetime if stage == FULL else PENDING_LIFETIME
        return Session(
            nonce=secrets.token_urlsafe(16),
            user=user.uuid,
            stage=stage,
            expires=int(time.time()) + lifetime,
            stamp=credentials_stamp(user),
        )

    def restamp(self, session: Session, user: StoredItem) -> Session:
        """The same session after the user changed their own credentials."""
        return replace(session, stamp=credentials_stamp(user))

    def encode(self, session: Session) -> str:
        payload = _b64(json.dumps(asdict(session), separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def decode(self, token: str | None) -> Session | None:
        """The session a token carries, or None when it is missing, forged or expired."""
        if not token or token.count(".") != 1:
            return None
        payload, signature = token.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            session = Session(**json.loads(_unb64(payload)))
        except (ValueError, TypeError):
            return None
        if session.expires < time.time():
            return None
        return session

    # -- who ----------------------------------------------------------------------------------------

    def user_of(self, session: Session) -> StoredItem | None:
        """The user a (possibly half) signed-in session belongs to, if their credentials did not change since."""
        if session.user is None:
            return None
        user = self.accounts.store.get(session.user)
        if user is None or user.item_type != "User" or credentials_stamp(user) != session.stamp:
            return None
        return user

    def principal(self, session: Session | None) -> Principal:
        if session is None or not session.signed_in:
            return ANONYMOUS
        user = self.user_of(session)
        found = self.accounts.principal_for(user.uuid) if user else None
        return found or ANONYMOUS

    # -- CSRF and signed values ---------------------------------------------------------------------

    def csrf_token(self, session: Session) -> str:
        return self.sign_value(session, "csrf", "")

    def check_csrf(self, session: Session | None, token: str | None) -> bool:
        return bool(session and token) and hmac.compare_digest(str(token), self.csrf_token(session))  # type: ignore[arg-type]

    def sign_value(self, session: Session, purpose: str, value: str) -> str:
        """A MAC binding ``value`` to this session and purpose (e.g. a TOTP secret offered for enrollment)."""
        return self._sign(f"{purpose}|{session.nonce}|{value}")

    def check_value(self, session: Session, purpose: str, value: str, mac: str) -> bool:
        return hmac.compare_digest(mac, self.sign_value(session, purpose, value))

    def _sign(self, text: str) -> str:
        return _b64(hmac.new(self._key, text.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
