"""Create (``/<collection>/add``) and edit (``<@id>edit``) pages, through the same write service as the API."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from docket.api.traversal import find_item
from docket.errors import FieldError, Forbidden, KeysConflict, NotFound, ValidationFailed, schema_error
from docket.model.types import TypeInfo
from docket.services import permissions
from docket.services.items import Change
from docket.services.portal import Portal
from docket.services.principal import Principal
from docket.store.protocol import StoredItem
from docket.web import forms
from docket.web.context import login_redirect, page, portal_of, principal_of, redirect, render


@page
def add(request: Request, form: FormData | None) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    info = portal.model.find_type(request.path_params["collection"])
    if info is None or (info.name in ("User", "AccessKey") and not principal.is_admin):
        raise NotFound(request.url.path)
    if principal.is_anonymous:
        return login_redirect(request)
    if info.abstract:
        choices = [portal.model.types[n] for n in portal.model.concrete_subtypes(info.name)]
        allowed = [c for c in choices if permissions.can_create(principal, c)]
        return render(request, "choose_type.html", title=f"Add {info.schema.get('title', info.name)}", types=allowed)
    if not permissions.can_create(principal, info):
        raise Forbidden(f"You may not add {info.name} items; ask an admin to let you submit for a lab.")
    names = forms.submittable(info, principal, creating=True)
    if form is None:
        return _form(request, info, names, _defaults(portal, principal, info), [], principal, None)
    body, _emptied = forms.parse(info, names, _text(form))
    try:
        [item] = portal.items.write(principal, [Change("create", info.name, body)])
    except (ValidationFailed, KeysConflict) as exc:
        return _form(request, info, names, body, _errors(exc), principal, None)
    return redirect(portal.renderer.at_id(item))


@page
def edit(request: Request, form: FormData | None) -> Response:
    portal = portal_of(request)
    principal = principal_of(request)
    item = find_item(portal, principal, "/" + request.path_params["path"].strip("/"))
    if not permissions.can_edit(principal, item):
        if principal.is_anonymous:
            return login_redirect(request)
        raise Forbidden("You may not edit this item (released items, and other labs' items, are read-only).")
    info = portal.model.types[item.item_type]
    names = forms.submittable(info, principal, creating=False)
    if form is None:
        values = portal.renderer.render_one(item, "object", principal)
        return _form(request, info, names, values, [], principal, item)
    body, emptied = forms.parse(info, names, _text(form))
    change = Change("patch", info.name, body, target=item, delete_fields=emptied)
    try:
        [written] = portal.items.write(principal, [change])
    except (ValidationFailed, KeysConflict) as exc:
        return _form(request, info, names, body, _errors(exc), principal, item)
    return redirect(portal.renderer.at_id(written))


def _text(form: FormData) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def _form(
    request: Request,
    info: TypeInfo,
    names: list[str],
    values: dict[str, Any],
    errors: list[FieldError],
    principal: Principal,
    item: StoredItem | None,
) -> Response:
    portal = portal_of(request)
    fields, general = forms.build(info, names, values, errors, _choices(portal, principal, info))
    title = info.schema.get("title", info.name)
    at_id = portal.renderer.at_id(item) if item else None
    return render(
        request,
        "form.html",
        status=422 if errors else 200,
        title=f"Edit {title} {values.get('display_title', '')}".strip() if item else f"Add {title}",
        info=info,
        description=info.schema.get("description", ""),
        fields=fields,
        general=general,
        error_count=sum(len(f.errors) for top in fields for f in top.walk()) + len(general),
        action=f"{at_id}edit" if at_id else f"/{info.collection}/add",
        cancel=at_id or f"/{info.collection}/",
        submit="Save changes" if item else f"Create {title}",
    )


def _errors(exc: ValidationFailed | KeysConflict) -> list[FieldError]:
    if isinstance(exc, ValidationFailed):
        return exc.errors
    errors = []
    for namespace, value in exc.keys:
        if namespace == "alias":
            errors.append(schema_error(["aliases"], f"The alias {value!r} is already used by another item."))
        else:
            errors.append(FieldError(namespace, f"{namespace} {value!r} is already used by another item."))
    return errors


def _choices(portal: Portal, principal: Principal, info: TypeInfo) -> dict[str, list[tuple[str, str]]]:
    """Submitters pick their lab from the labs they submit for, not from every lab."""
    if principal.is_admin:
        return {}
    choices = {}
    labs = portal.store.get_many(sorted(principal.submits_for))
    for link in info.links:
        if link.submits_for and len(link.path) == 1:
            lab_info = portal.model.types["Lab"]
            options = [
                (portal.renderer.at_id(lab), portal.renderer.display_title(lab_info, lab.properties, lab.uuid))
                for lab in labs.values()
            ]
            choices[link.name] = sorted(options, key=lambda o: o[1])
    return choices


def _defaults(portal: Portal, principal: Principal, info: TypeInfo) -> dict[str, Any]:
    """A new item's lab is the submitter's own, and its award that lab's first."""
    if "lab" not in info.properties or not principal.submits_for:
        return {}
    lab_uuid = principal.lab if principal.lab in principal.submits_for else sorted(principal.submits_for)[0]
    lab = portal.store.get(lab_uuid)
    if lab is None:
        return {}
    values: dict[str, Any] = {"lab": portal.renderer.at_id(lab)}
    awards = lab.properties.get("awards") or []
    award = portal.store.get(awards[0]) if awards and "award" in info.properties else None
    if award is not None:
        values["award"] = portal.renderer.at_id(award)
    return values
