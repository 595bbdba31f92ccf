"""Admin pages: who submits for which labs, and releasing items."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from docket.errors import Forbidden, NotFound
from docket.model.types import TypeInfo
from docket.services import permissions
from docket.services.items import Change
from docket.services.policy import TWO_FACTOR_POLICIES
from docket.services.principal import Principal
from docket.store.protocol import Query
from docket.web.context import form_value, login_redirect, page, portal_of, principal_of, redirect, render

RELEASED = "released"


def _admin(request: Request) -> Principal | None:
    principal = principal_of(request)
    if principal.is_anonymous:
        return None
    if not principal.is_admin:
        raise Forbidden("Only admins may use the admin pages.")
    return principal


@page
def index(request: Request, form: FormData | None) -> Response:
    principal = _admin(request)
    if principal is None:
        return login_redirect(request)
    portal = portal_of(request)
    if form is not None:
        portal.two_factor.set(principal, form_value(form, "policy"))
        return redirect("/admin")
    policy = portal.two_factor.current()
    return render(request, "admin.html", title="Administration", policy=policy, policies=TWO_FACTOR_POLICIES)


@page
def users(request: Request, form: FormData | None) -> Response:
    principal = _admin(request)
    if principal is None:
        return login_redirect(request)
    portal = portal_of(request)
    everything = permissions.visibility(principal)
    labs = portal.store.search(Query(("Lab",), everything, limit=None, sort=(("name", False),))).items
    if form is not None:
        user = portal.store.get(request.path_params.get("uuid", ""))
        if user is None or user.item_type != "User":
            raise NotFound(request.url.path)
        known = {lab.uuid for lab in labs}
        chosen = [v for k, v in form.multi_items() if k == "submits_for" and isinstance(v, str) and v in known]
        patch: dict[str, object] = {"submits_for": chosen}
        delete = [] if chosen else ["submits_for"]
        if chosen and not user.properties.get("lab"):
            patch["lab"] = chosen[0]
        if not chosen:
            patch = {}
        portal.items.write(principal, [Change("patch", "User", patch, target=user, delete_fields=delete)])
        return redirect(f"/admin/users#u-{user.uuid}")
    people = portal.store.search(Query(("User",), everything, limit=None, sort=(("email", False),))).items
    lab_names = {lab.uuid: lab.properties.get("title") or lab.properties.get("name", lab.uuid) for lab in labs}
    return render(
        request, "admin_users.html", title="Users and submitter rights", people=people, labs=labs, lab_names=lab_names
    )


def _releasable(portal: object, info: TypeInfo) -> bool:
    return not info.abstract and RELEASED in info.properties.get("status", {}).get("enum", [])


@page
def release(request: Request, form: FormData | None) -> Response:
    principal = _admin(request)
    if principal is None:
        return login_redirect(request)
    portal = portal_of(request)
    types = sorted((i for i in portal.model.types.values() if _releasable(portal, i)), key=lambda i: i.name)
    chosen = portal.model.find_type(form_value(form, "type") if form else request.query_params.get("type", ""))
    if chosen is None or not _releasable(portal, chosen):
        chosen = None
    if form is not None and chosen is not None:
        wanted = [v for k, v in form.multi_items() if k == "uuid" and isinstance(v, str)]
        found = portal.store.get_many(wanted)
        changes = [Change("patch", i.item_type, {"status": RELEASED}, target=i) for i in found.values()]
        if changes:
            portal.items.write(principal, changes)
        return redirect(f"/admin/release?type={chosen.name}&released={len(changes)}")
    items = []
    if chosen is not None:
        query = Query(tuple(portal.model.concrete_subtypes(chosen.name)), permissions.visibility(principal), limit=200)
        page_ = portal.store.search(query)
        items = [i for i in page_.items if i.properties.get("status") not in (RELEASED, "deleted", "replaced")]
    return render(
        request,
        "admin_release.html",
        title="Release items",
        types=types,
        chosen=chosen,
        items=items,
        released=request.query_params.get("released"),
    )
