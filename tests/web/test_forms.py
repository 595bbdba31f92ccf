"""Forms generated from the schema: which fields, how posted fields become a body, where errors land."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from docket.errors import schema_error
from docket.services.portal import Portal
from docket.services.principal import Principal
from docket.web import forms
from tests.factories import Factory, biosource
from tests.web.pages import HTML, give_password, post_form, sign_in

SUBMITTER = Principal(user_uuid="u", submits_for=frozenset({"lab"}))
ADMIN = Principal(user_uuid="a", groups=frozenset({"admin"}))


def test_offered_fields_alias_first_no_calculated_or_restricted(portal: Portal) -> None:
    info = portal.model.types["Biosample"]
    names = forms.submittable(info, SUBMITTER, creating=True)
    assert names[0] == "aliases"
    assert names[1:4] == ["lab", "award", "biosource"]  # required, in the schema's lookup order
    for hidden in ("uuid", "accession", "status", "date_created", "submitted_by", "notes", "schema_version"):
        assert hidden not in names
    assert "status" in forms.submittable(info, ADMIN, creating=True)
    user = portal.model.types["User"]
    assert not {"password_hash", "totp_secret"} & set(forms.submittable(user, ADMIN, creating=True))


def test_posted_fields_become_a_body(portal: Portal) -> None:
    info = portal.model.types["Biosample"]
    names = forms.submittable(info, ADMIN, creating=True)
    pairs = [
        ("aliases.0", " lab:one "),
        ("aliases.1007", ""),
        ("aliases.3", "lab:two"),
        ("biosource.0", "/biosources/X/"),
        ("biosample_relation.5.relationship_type", "derived from"),
        ("biosample_relation.5.biosample", "lab:other"),
        ("biosample_relation.9.relationship_type", ""),
        ("biosample_relation.__i__.biosample", "template, never sent by browsers"),
        ("description", "line one\r\nline two"),
        ("uuid", "ignored: not offered"),
        ("_present", "aliases"),
        ("_present", "tags"),
    ]
    body, emptied = forms.parse(info, names, pairs)
    assert body == {
        "aliases": ["lab:one", "lab:two"],
        "biosource": ["/biosources/X/"],
        "biosample_relation": [{"relationship_type": "derived from", "biosample": "lab:other"}],
        "description": "line one\nline two",
    }
    assert emptied == ["tags"]


def test_typed_values_and_bad_numbers_reach_the_validator() -> None:
    spec = {"type": "object", "properties": {}}
    assert forms._coerce({"type": "integer"}, "12") == 12
    assert forms._coerce({"type": "integer"}, "twelve") == "twelve"
    assert forms._coerce({"type": "number"}, "1.5") == 1.5
    assert forms._coerce({"type": "boolean"}, "false") is False
    assert forms._coerce(spec, '{"a": 1}') == {"a": 1}
    assert forms._coerce({"type": "string"}, "   ") is None


def test_errors_land_next_to_their_fields(portal: Portal) -> None:
    info = portal.model.types["Biosample"]
    names = forms.submittable(info, ADMIN, creating=True)
    values = {"biosample_relation": [{"relationship_type": "derived from"}], "aliases": ["bad alias"]}
    errors = [
        schema_error([], "'biosource' is a required property"),
        schema_error(["aliases", 0], "'bad alias' does not match"),
        schema_error(["biosample_relation", 0], "'biosample' is a required property"),
        schema_error(["biosample_relation", 0, "nope", 3], "deep error"),
        schema_error([], "Additional properties are not allowed ('x' was unexpected)"),
    ]
    fields, general = forms.build(info, names, values, errors)
    by_name = {f.name: f for top in fields for f in top.walk()}
    assert by_name["biosource"].errors == ["This field is required."]
    assert by_name["aliases.0"].errors == ["'bad alias' does not match"]
    assert by_name["biosample_relation.0.biosample"].errors == ["This field is required."]
    assert by_name["biosample_relation.0"].errors == ["deep error"]
    assert general == ["Additional properties are not allowed ('x' was unexpected)"]
    assert by_name["biosample_relation.0.relationship_type"].kind == "enum"
    assert by_name["biosource.0"].kind == "link" and by_name["biosource.0"].link_type == "Biosource"
    assert by_name["biosource"].template is not None and by_name["biosource"].template.name == "biosource.__i__"


def _lab_path(page: str) -> str:
    return re.search(r'<option value="(/labs/[^"]+)" selected', page)[1]  # type: ignore[index]


def test_create_with_an_error_then_fix_then_edit(client: TestClient, portal: Portal, factory: Factory) -> None:
    admin = factory.admin()
    submitter = factory.submitter()
    source = client.post("/biosource", json=biosource(), auth=admin.auth).json()["@graph"][0]
    give_password(portal, submitter.email)
    sign_in(client, submitter.email)

    form = client.get("/biosamples/add", headers=HTML)
    assert form.status_code == 200
    assert form.text.index('name="aliases.0"') < form.text.index('name="lab"')
    lab = _lab_path(form.text)
    assert 'data-link-type="Biosource"' in form.text
    fields = {"aliases.0": "test-lab:web-sample", "lab": lab, "award": "/awards/TEST-AWARD-1/"}
    missing = post_form(client, "/biosamples/add", fields)
    assert missing.status_code == 422
    assert re.search(r'id="f-biosource-errors"><li>This field is required.</li>', missing.text)
    assert 'value="test-lab:web-sample"' in missing.text  # what was typed is kept

    created = post_form(client, "/biosamples/add", {**fields, "biosource.0": source["aliases"][0]})
    assert created.status_code == 303, created.text
    item = client.get(created.headers["location"], headers={"accept": "application/json"}).json()
    assert item["aliases"] == ["test-lab:web-sample"]
    assert item["biosource"][0]["@id"] == source["@id"]

    edit = client.get(item["@id"] + "edit", headers=HTML)
    assert edit.status_code == 200 and 'value="test-lab:web-sample"' in edit.text
    changed = post_form(
        client,
        item["@id"] + "edit",
        {
            "_present": "description",
            "aliases.0": "test-lab:web-sample",
            "lab": lab,
            "award": "/awards/TEST-AWARD-1/",
            "biosource.0": source["@id"],
            "description": "Edited on the web",
        },
    )
    assert changed.status_code == 303, changed.text
    page = client.get(item["@id"], headers=HTML).text
    assert "Edited on the web" in page and "description" in page  # the history lists the changed field

    cleared = post_form(
        client,
        item["@id"] + "edit",
        [
            ("_present", "description"),
            ("aliases.0", "test-lab:web-sample"),
            ("lab", lab),
            ("biosource.0", source["@id"]),
        ],
    )
    assert cleared.status_code == 303
    assert "description" not in client.get(item["@id"], headers={"accept": "application/json"}).json()


def test_taken_alias_is_shown_on_the_alias_field(client: TestClient, portal: Portal, factory: Factory) -> None:
    admin = factory.admin()
    give_password(portal, admin.email)
    factory.lab()
    taken = client.post("/biosource", json=biosource(), auth=admin.auth).json()["@graph"][0]["aliases"][0]
    sign_in(client, admin.email)
    fields = {
        "aliases.0": taken,
        "lab": "/labs/test-lab/",
        "award": "/awards/TEST-AWARD-1/",
        "biosource_type": "immortalized cell line",
        "cell_line": "GM12878",
    }
    response = post_form(client, "/biosources/add", fields)
    assert response.status_code == 422
    assert "is already used by another item" in response.text


def test_only_permitted_users_get_forms(client: TestClient, portal: Portal, factory: Factory) -> None:
    assert client.get("/biosamples/add", headers=HTML, follow_redirects=False).headers["location"].startswith("/login")
    factory.lab()
    outsider = factory.user("outsider@example.org")
    give_password(portal, outsider.email)
    sign_in(client, outsider.email)
    assert client.get("/biosamples/add", headers=HTML).status_code == 403
    chooser = client.get("/files/add", headers=HTML)
    assert chooser.status_code == 200 and "You may not add any of these" in chooser.text
