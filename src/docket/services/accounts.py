"""Users, access keys and authentication.

Access key secrets are random, shown once, and stored as argon2 hashes. Every API request carries
the secret (HTTP Basic), and argon2 is deliberately slow, so a successful check is remembered per
process as (stored hash, SHA-256 of the presented secret): a changed or revoked key misses that
memory because its stored hash or status is read from the database.

The principal behind a key is also remembered for a couple of seconds (``PRINCIPAL_TTL``), so a burst of
requests costs no database reads for authentication. A write to any user or access key in this process
forgets them all at once; another worker process notices a revocation within that TTL.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from docket.errors import Forbidden, NotAuthenticated, NotFound
from docket.model.types import Model
from docket.services.items import Change, ItemService
from docket.services.principal import Principal
from docket.store.protocol import ItemStore, StoredItem

_KEY_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_lowercase + string.digits
_CACHE_SIZE = 10_000
PRINCIPAL_TTL = 2.0
_hasher = PasswordHasher()


@dataclass(frozen=True)
class NewKey:
    access_key_id: str
    secret_access_key: str
    item: StoredItem


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


class Accounts:
    def __init__(self, model: Model, store: ItemStore, items: ItemService) -> None:
        self.model = model
        self.store = store
        self.items = items
        self._verified: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._recent: dict[tuple[str, str], tuple[float, Principal]] = {}
        items.after_write.append(self._forget_on_account_change)

    def _forget_on_account_change(self, written: list[StoredItem]) -> None:
        if any(item.item_type in ("User", "AccessKey") for item in written):
            self._recent.clear()

    # -- authentication ---------------------------------------------------------------------------

    def authenticate(self, key_id: str, secret: str) -> Principal:
        memo = (key_id, hashlib.sha256(secret.encode()).hexdigest())
        recent = self._recent.get(memo)
        if recent is not None and recent[0] > time.monotonic():
            return recent[1]
        principal = self._authenticate(key_id, secret)
        if len(self._recent) > _CACHE_SIZE:
            self._recent.clear()
        self._recent[memo] = (time.monotonic() + PRINCIPAL_TTL, principal)
        return principal

    def _authenticate(self, key_id: str, secret: str) -> Principal:
        uuid = self.store.find_keys([("access_key:access_key_id", key_id)]).get(("access_key:access_key_id", key_id))
        key = self.store.get(uuid) if uuid else None
        if key is None or key.properties.get("status") != "current":
            raise NotAuthenticated("Invalid Authorization header or Auth Challenge response.")
        stored_hash = key.properties.get("secret_access_key_hash", "")
        if not self._check(stored_hash, secret):
            raise NotAuthenticated("Invalid Authorization header or Auth Challenge response.")
        principal = self.principal_for(key.properties.get("user", ""))
        if principal is None:
            raise NotAuthenticated("Invalid Authorization header or Auth Challenge response.")
        return replace(principal, access_key_id=key_id)

    def _check(self, stored_hash: str, secret: str) -> bool:
        memo = (stored_hash, hashlib.sha256(secret.encode()).hexdigest())
        if memo in self._verified:
            self._verified.move_to_end(memo)
            return True
        try:
            _hasher.verify(stored_hash, secret)
        except (VerificationError, InvalidHashError):
            return False
        self._verified[memo] = None
        if len(self._verified) > _CACHE_SIZE:
            self._verified.popitem(last=False)
        return True

    def principal_for(self, user_uuid: str) -> Principal | None:
        user = self.store.get(user_uuid) if user_uuid else None
        if user is None or user.item_type != "User" or user.properties.get("status") in ("deleted", "revoked"):
            return None
        props = user.properties
        return Principal(
            user_uuid=user.uuid,
            email=props.get("email"),
            groups=frozenset(props.get("groups", [])),
            lab=props.get("lab"),
            submits_for=frozenset(props.get("submits_for", [])),
            viewing_groups=frozenset(props.get("viewing_groups", [])),
        )

    # -- access keys ------------------------------------------------------------------------------

    def create_key(self, principal: Principal, description: str | None = None) -> NewKey:
        if principal.user_uuid is None:
            raise Forbidden("Sign in to create an access key")
        key_id = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(8))
        secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(32))
        body: dict[str, Any] = {
            "access_key_id": key_id,
            "secret_access_key_hash": hash_secret(secret),
            "user": principal.user_uuid,
        }
        if description:
            body["description"] = description
        acting = Principal(user_uuid=principal.user_uuid, email=principal.email, groups=frozenset({"admin"}))
        [item] = self.items.write(acting, [Change("create", "AccessKey", body)])
        return NewKey(key_id, secret, item)

    def revoke_key(self, principal: Principal, key_id: str) -> StoredItem:
        uuid = self.store.find_keys([("access_key:access_key_id", key_id)]).get(("access_key:access_key_id", key_id))
        key = self.store.get(uuid) if uuid else None
        if key is None or not (principal.is_admin or key.properties.get("user") == principal.user_uuid):
            raise NotFound(f"No access key {key_id!r}")
        acting = Principal(user_uuid=principal.user_uuid, email=principal.email, groups=frozenset({"admin"}))
        [item] = self.items.write(acting, [Change("patch", "AccessKey", {"status": "revoked"}, target=key)])
        return item

    def keys_of(self, user_uuid: str) -> list[StoredItem]:
        sources = [s for s, _rel in self.store.links_to(user_uuid, ["user"])]
        found = self.store.get_many(sources)
        return sorted(
            (k for k in found.values() if k.item_type == "AccessKey"),
            key=lambda k: k.created,
        )

    # -- users ------------------------------------------------------------------------------------

    def user_by_email(self, email: str) -> StoredItem | None:
        uuid = self.store.find_keys([("user:email", email)]).get(("user:email", email))
        return self.store.get(uuid) if uuid else None
