"""Start-up data: the model's inserts, first users and keys, and the demo data set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docket.errors import DocketError
from docket.services.accounts import NewKey
from docket.services.items import Change
from docket.services.portal import Portal
from docket.services.principal import SYSTEM


def load_inserts(portal: Portal) -> int:
    """Write every insert of the model in one transaction; returns how many were written."""
    folder = portal.model.inserts_dir
    if not folder or not Path(folder).is_dir():
        return 0
    order = list(portal.model.inserts_order)
    files = {p.stem: p for p in Path(folder).glob("*.json")}
    by_item_type = {info.item_type: info.name for info in portal.model.types.values()}
    names = [n for n in order if portal.model.types[n].item_type in files]
    names += sorted(by_item_type[stem] for stem in files if by_item_type.get(stem) and by_item_type[stem] not in names)
    changes: list[Change] = []
    for name in names:
        for body in json.loads(files[portal.model.types[name].item_type].read_text()):
            changes.append(Change("create", name, body, index=len(changes)))
    portal.items.write(SYSTEM, changes)
    return len(changes)


def find_or_create(portal: Portal, type_name: str, key: tuple[str, str], body: dict[str, Any]) -> str:
    uuid = portal.store.find_keys([key]).get(key)
    if uuid:
        return uuid
    [item] = portal.items.write(SYSTEM, [Change("create", type_name, body)])
    return item.uuid


def ensure_user(
    portal: Portal,
    email: str,
    admin: bool = False,
    lab: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> str:
    """The uuid of the user with this email, created if needed; ``lab`` (a lab name) is created too if new."""
    lab_uuid = None
    if lab:
        lab_uuid = find_or_create(portal, "Lab", ("lab:name", lab), {"name": lab, "title": lab, "status": "current"})
    user = portal.accounts.user_by_email(email)
    if user is None:
        local = email.split("@", 1)[0]
        body: dict[str, Any] = {
            "email": email,
            "first_name": first_name or local,
            "last_name": last_name or "User",
            "status": "current",
        }
        [user] = portal.items.write(SYSTEM, [Change("create", "User", body)])
    patch: dict[str, Any] = {}
    if admin and "admin" not in user.properties.get("groups", []):
        patch["groups"] = [*user.properties.get("groups", []), "admin"]
    if lab_uuid:
        if not user.properties.get("lab"):
            patch["lab"] = lab_uuid
        if lab_uuid not in user.properties.get("submits_for", []):
            patch["submits_for"] = [*user.properties.get("submits_for", []), lab_uuid]
    if patch:
        portal.items.write(SYSTEM, [Change("patch", "User", patch, target=user)])
    return user.uuid


def create_key_for(portal: Portal, email: str, admin: bool = False, lab: str | None = None) -> NewKey:
    uuid = ensure_user(portal, email, admin=admin, lab=lab)
    principal = portal.accounts.principal_for(uuid)
    if principal is None:
        raise DocketError(f"User {email} is not active")
    return portal.accounts.create_key(principal, description="created with docket keys create")


def keypairs_entry(new_key: NewKey, server: str, name: str = "default") -> dict[str, dict[str, str]]:
    return {name: {"key": new_key.access_key_id, "secret": new_key.secret_access_key, "server": server}}
