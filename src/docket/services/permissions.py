"""Who may see and change what.

Roles: admins (group ``admin``) may do anything; submitters create and edit items of the labs they
submit for until those items are released; lab members see their labs' unreleased items; everyone,
anonymous callers included, sees released items. Users and access keys are visible to their owner only.
An item with an ``access_group`` (controlled access) is visible only to admins, its lab, and members of
that group, whatever its status.
"""

from __future__ import annotations

from typing import Any

from docket.model.types import TypeInfo
from docket.services.principal import Principal
from docket.store.protocol import Index, StoredItem, Visibility

PUBLIC_STATUSES = ("released", "current", "archived", "revoked", "replaced", "published", "restricted")
ADMIN_ONLY_STATUSES = ("deleted", "obsolete")
SUBMITTER_EDITABLE_STATUSES = frozenset(
    {
        "in review by lab",
        "submission in progress",
        "planned",
        "uploading",
        "uploaded",
        "upload failed",
        "to be uploaded by workflow",
    }
)
PRIVATE_TYPES = ("User", "AccessKey")


def index_for(info: TypeInfo, uuid: str, props: dict[str, Any], access_group: str | None = None) -> Index:
    """The permission columns; ``access_group`` is worked out by ``services.access`` inside the write."""
    owner = None
    if info.name == "User":
        owner = uuid
    elif info.name == "AccessKey":
        owner = props.get("user")
    return Index(
        status=props.get("status"),
        lab=props.get("lab") if isinstance(props.get("lab"), str) else None,
        owner=owner,
        access_group=access_group,
    )


def visibility(principal: Principal) -> Visibility:
    if principal.is_admin:
        return Visibility(everything=True)
    return Visibility(
        public_statuses=PUBLIC_STATUSES,
        public_types_excluded=PRIVATE_TYPES,
        member_labs=tuple(sorted(principal.member_labs)),
        member_statuses_excluded=ADMIN_ONLY_STATUSES,
        owner=principal.user_uuid,
        access_groups=tuple(sorted(principal.viewing_groups)),
    )


def can_view(principal: Principal, item: StoredItem) -> bool:
    """The same rule as ``visibility``, for one item already loaded."""
    if principal.is_admin:
        return True
    idx = item.index
    if principal.user_uuid and idx.owner == principal.user_uuid:
        return True
    if idx.status in ADMIN_ONLY_STATUSES:
        return False
    if idx.lab and idx.lab in principal.member_labs:
        return True
    if idx.access_group:
        return idx.access_group in principal.viewing_groups
    return idx.status in PUBLIC_STATUSES and item.item_type not in PRIVATE_TYPES


def can_edit(principal: Principal, item: StoredItem) -> bool:
    if principal.is_admin:
        return True
    idx = item.index
    if item.item_type in PRIVATE_TYPES:
        return principal.user_uuid is not None and idx.owner == principal.user_uuid
    return bool(idx.lab and idx.lab in principal.submits_for and idx.status in SUBMITTER_EDITABLE_STATUSES)


def can_create(principal: Principal, info: TypeInfo) -> bool:
    """Admins create anything; submitters create items of types that carry a lab."""
    if principal.is_admin:
        return True
    return info.has_lab and bool(principal.submits_for)
