"""Creating and changing items: one pipeline for POST, PATCH, PUT and batches.

Every write goes through ``_prepare`` (permissions on fields, link resolution, defaults, server
defaults, schema validation, unique keys), which collects *every* problem instead of stopping at the
first. Only when nothing is wrong anywhere in the request does ``_commit`` write, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from docket.errors import FieldError, Forbidden, KeysConflict, NotFound, ValidationFailed, schema_error
from docket.model.checks import run_checks
from docket.model.derive import derive
from docket.model.identifiers import mint_accession, new_uuid, valid_key_value
from docket.model.links import LinkField, Path, iter_links, map_links
from docket.model.types import Model, TypeInfo
from docket.model.validation import Validators
from docket.services import permissions
from docket.services.access import AccessPolicy
from docket.services.principal import Principal
from docket.services.resolver import Resolver
from docket.store.protocol import ItemStore, StoredItem, Write

Op = Literal["create", "patch", "put"]
_SERVER_MANAGED = ("uuid", "accession", "date_created", "submitted_by", "schema_version")
_ACCESSION_RETRIES = 10


@dataclass
class Change:
    """One requested write. ``target`` is the existing item for patch and put."""

    op: Op
    type_name: str
    body: Any
    target: StoredItem | None = None
    delete_fields: list[str] = field(default_factory=list)
    index: int | None = None
    uuid: str = field(default_factory=new_uuid)


@dataclass
class _Prepared:
    change: Change
    write: Write
    minted_accession: bool


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class ItemService:
    def __init__(self, model: Model, store: ItemStore, validators: Validators) -> None:
        self.model = model
        self.store = store
        self.validators = validators
        self.access = AccessPolicy(model)
        # Called with the stored items after every committed write (caches that depend on items).
        self.after_write: list[Callable[[list[StoredItem]], None]] = []

    # -- public operations ------------------------------------------------------------------------

    def resolver(self) -> Resolver:
        return Resolver(self.model, self.store)

    def type_for_create(self, name: str) -> TypeInfo:
        info = self.model.find_type(name)
        if info is None:
            raise NotFound(f"No item type or collection named {name!r}")
        return info

    def write(self, principal: Principal, changes: Sequence[Change], check_only: bool = False) -> list[StoredItem]:
        """Validate every change together and write them all in one transaction, or nothing."""
        resolver = self.resolver()
        self._authorize(principal, changes)
        self._register_pending(changes, resolver)
        self._prefetch_links(changes, resolver)
        now = utc_now()
        prepared: list[_Prepared] = []
        errors: list[FieldError] = []
        for change in changes:
            result, problems = self._prepare(principal, change, resolver, now)
            errors.extend(problems)
            if result is not None:
                prepared.append(result)
        errors.extend(self._duplicate_keys_within(prepared))
        if errors:
            raise ValidationFailed(errors)
        if check_only:
            self._check_conflicts(prepared)
            return []
        stored = self._commit(principal, prepared, now)
        for listener in self.after_write:
            listener(stored)
        return stored

    # -- steps --------------------------------------------------------------------------------------

    def _authorize(self, principal: Principal, changes: Sequence[Change]) -> None:
        for change in changes:
            info = self.model.types[change.type_name]
            where = f" (item {change.index})" if change.index is not None else ""
            if change.op == "create":
                if info.abstract:
                    raise Forbidden(f"{info.name} is abstract; post one of its subtypes{where}")
                if not permissions.can_create(principal, info):
                    raise Forbidden(f"Unauthorized: you may not add {info.name} items{where}")
            elif change.target is None or not permissions.can_edit(principal, change.target):
                raise Forbidden(f"Unauthorized: item_edit failed permission check{where}")

    def _register_pending(self, changes: Sequence[Change], resolver: Resolver) -> None:
        for change in changes:
            if change.op != "create" or not isinstance(change.body, dict):
                continue
            info = self.model.types[change.type_name]
            if isinstance(change.body.get("uuid"), str):
                change.uuid = change.body["uuid"]
            keys = [k for k in _unique_keys(info, change.body) if not k[0].startswith("md5")]
            resolver.add_pending(change.uuid, info.name, keys)

    def _prefetch_links(self, changes: Sequence[Change], resolver: Resolver) -> None:
        wanted: list[tuple[str, str | None]] = []
        for change in changes:
            if not isinstance(change.body, dict):
                continue
            info = self.model.types[change.type_name]
            for link, _path, value in iter_links(change.body, info.links):
                if isinstance(value, str):
                    wanted.append((value, _hint(link, value)))
        resolver.prefetch(wanted)

    def _prepare(
        self, principal: Principal, change: Change, resolver: Resolver, now: str
    ) -> tuple[_Prepared | None, list[FieldError]]:
        info = self.model.types[change.type_name]
        idx = change.index
        body = change.body
        if not isinstance(body, dict):
            return None, [schema_error([], "The item must be a JSON object", idx)]
        errors: list[FieldError] = []
        body = dict(body)
        existing = change.target.properties if change.target else {}
        uuid = change.target.uuid if change.target else change.uuid

        if "uuid" in body and change.op != "create":
            if body["uuid"] != uuid:
                errors.append(schema_error(["uuid"], "uuid cannot be changed", idx))
            body.pop("uuid")
        for prop in body:
            if prop in info.calculated or prop in ("@id", "@type", "display_title"):
                errors.append(schema_error([prop], "submission of calculatedProperty disallowed", idx))
        body = {
            k: v for k, v in body.items() if k not in info.calculated and k not in ("@id", "@type", "display_title")
        }

        body = map_links(body, info.links, self._link_resolver(principal, resolver, errors, idx))
        errors.extend(self._restricted(principal, info, change, body, existing))

        if change.op == "create":
            props = body
        elif change.op == "patch":
            props = {**existing, **body}
            for name in change.delete_fields:
                if name not in info.properties:
                    errors.append(schema_error([name], f"Cannot delete unknown field {name!r}", idx))
                elif name in info.restricted and not principal.is_admin and name in existing:
                    errors.append(schema_error([name], f"permission {info.restricted[name]!r} required", idx))
                props.pop(name, None)
        else:
            props = {**{k: existing[k] for k in _SERVER_MANAGED if k in existing}, **body}

        minted = self._apply_defaults(principal, info, props, change, now)
        if principal.user_uuid or "last_modified" in existing:
            props["last_modified"] = {
                "date_modified": now,
                **({"modified_by": principal.user_uuid} if principal.user_uuid else {}),
            }

        props = derive(info.type_names, props)
        validation_doc = dict(props)
        if change.op == "create" and "uuid" in validation_doc:
            uuid = validation_doc["uuid"]
        errors.extend(self.validators.validate(info, validation_doc, idx))
        errors.extend(replace(e, index=idx) for e in run_checks(info.type_names, props, resolver.properties))
        if change.op == "create" and not principal.is_admin:
            for name in info.submitter_required:
                if name not in props:
                    errors.append(schema_error([], f"{name!r} is a required property", idx))
        keys = _unique_keys(info, props)
        for namespace, value in keys:
            if namespace != "alias" and not valid_key_value(value):
                errors.append(
                    schema_error(
                        [namespace.split(":")[-1]],
                        f"{value!r} may only contain letters, digits and _-:,.@ or space",
                        idx,
                    )
                )
        if errors:
            return None, errors
        props.pop("uuid", None)
        links = [(link.name, v) for link, _p, v in iter_links(props, info.links) if isinstance(v, str)]
        changed = sorted(k for k in set(props) | set(existing) if props.get(k) != existing.get(k))
        write = Write(
            uuid=uuid,
            item_type=info.name,
            properties=props,
            keys=keys,
            links=links,
            index=permissions.index_for(info, uuid, props, change.target.index.access_group if change.target else None),
            created=(change.target.created if change.target else props.get("date_created", now)),
            changed=changed,
        )
        return _Prepared(change, write, minted), []

    def _link_resolver(
        self, principal: Principal, resolver: Resolver, errors: list[FieldError], idx: int | None
    ) -> Any:
        def resolve(link: LinkField, path: Path, value: Any) -> Any:
            if not isinstance(value, str):
                return value  # the schema reports the wrong type
            ref = resolver.resolve(value, _hint(link, value))
            target = link.targets[0]
            if ref is None:
                shown = value if value.startswith("/") else f"/{target}/{value}"
                errors.append(schema_error(list(path), f"Unable to resolve link: {shown}", idx))
                return value
            allowed = {name for t in link.targets for name in self.model.concrete_subtypes(t)}
            if ref.item_type not in allowed:
                errors.append(schema_error(list(path), f"{value!r} is not of type {' or '.join(link.targets)!r}", idx))
            elif link.submits_for and not principal.is_admin and ref.uuid not in principal.submits_for:
                errors.append(schema_error(list(path), f"{value!r} is not in user submits_for", idx))
            return ref.uuid

        return resolve

    def _restricted(
        self,
        principal: Principal,
        info: TypeInfo,
        change: Change,
        body: dict[str, Any],
        existing: dict[str, Any],
    ) -> list[FieldError]:
        if principal.is_admin:
            return []
        errors = []
        for prop, permission in info.restricted.items():
            if prop not in body:
                continue
            value = body[prop]
            unchanged = prop in existing and existing[prop] == value
            is_default = change.op == "create" and info.properties[prop].get("default") == value
            if not (unchanged or is_default):
                errors.append(schema_error([prop], f"permission {permission!r} required", change.index))
        return errors

    def _apply_defaults(
        self, principal: Principal, info: TypeInfo, props: dict[str, Any], change: Change, now: str
    ) -> bool:
        for prop, spec in info.properties.items():
            if prop not in props and "default" in spec and prop not in info.calculated:
                props[prop] = spec["default"]
        version = info.properties.get("schema_version", {}).get("default")
        if version is not None:
            props["schema_version"] = version
        minted = False
        if change.op != "create":
            return minted
        for prop, kind in info.server_defaults.items():
            if prop in props:
                continue
            if kind == "accession" and info.accession_code and "external_accession" not in props:
                props[prop] = mint_accession(self.model.accession, info.accession_code)
                minted = True
            elif kind == "userid" and principal.user_uuid:
                props[prop] = principal.user_uuid
            elif kind == "now":
                props[prop] = now
        return minted

    def _duplicate_keys_within(self, prepared: list[_Prepared]) -> list[FieldError]:
        seen: dict[tuple[str, str], int | None] = {}
        errors = []
        for item in prepared:
            if item.minted_accession and ("accession", item.write.properties.get("accession")) in seen:
                self._remint(item, lambda accession: ("accession", accession) in seen)
            for key in item.write.keys:
                if key in seen:
                    where = f" (also used by item {seen[key]})" if seen[key] is not None else ""
                    errors.append(schema_error([key[0]], f"Keys conflict: {[key]!r}{where}", item.change.index))
                else:
                    seen[key] = item.change.index
        return errors

    def _check_conflicts(self, prepared: list[_Prepared]) -> None:
        owners = self.store.find_keys([k for p in prepared for k in p.write.keys])
        for item in prepared:
            taken = [k for k in item.write.keys if owners.get(k, item.write.uuid) != item.write.uuid]
            if taken:
                raise KeysConflict(taken, item.change.index)

    def _commit(self, principal: Principal, prepared: list[_Prepared], now: str) -> list[StoredItem]:
        with self.store.write() as writer:
            owners = writer.key_owners([k for p in prepared for k in p.write.keys])
            for item in prepared:
                taken = [k for k in item.write.keys if owners.get(k, item.write.uuid) != item.write.uuid]
                if taken and item.minted_accession and all(k[0] == "accession" for k in taken):
                    self._remint(item, lambda accession: bool(writer.key_owners([("accession", accession)])))
                elif taken:
                    raise KeysConflict(taken, item.change.index)
            creates = [item for item in prepared if item.change.op == "create"]
            try:
                created = writer.create_many([c.write for c in creates], principal.user_uuid, now)
            except KeysConflict as exc:
                position = exc.index or 0
                raise KeysConflict(exc.keys, creates[position].change.index) from None
            by_uuid = {s.uuid: s for s in created}
            for item in prepared:
                if item.change.op == "create":
                    continue
                try:
                    by_uuid[item.write.uuid] = writer.put(item.write, "update", principal.user_uuid, now)
                except KeysConflict as exc:
                    raise KeysConflict(exc.keys, item.change.index) from None
            stored = [by_uuid[item.write.uuid] for item in prepared]
            self.access.refresh(stored, writer)
            return stored

    def _remint(self, item: _Prepared, taken: Callable[[str], bool]) -> None:
        """Mint the item a new accession that ``taken`` says is free (the odds of a clash are tiny)."""
        info = self.model.types[item.write.item_type]
        for _ in range(_ACCESSION_RETRIES):
            accession = mint_accession(self.model.accession, info.accession_code or "")
            if not taken(accession):
                item.write.properties["accession"] = accession
                item.write.keys = _unique_keys(info, item.write.properties)
                return
        raise KeysConflict([("accession", item.write.properties["accession"])], item.change.index)


def _hint(link: LinkField, value: str) -> str | None:
    return link.targets[0] if len(link.targets) == 1 and not value.startswith("/") else None


def _unique_keys(info: TypeInfo, props: dict[str, Any]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for prop, (namespace, template) in info.unique_keys.items():
        value = props.get(prop)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str | int) and not isinstance(v, bool) and str(v):
                keys.append((namespace, template.format(v)))
    return keys
