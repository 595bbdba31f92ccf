"""The ``docket`` command: server-side commands work on the database directly."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import click

from docket.settings import SETTINGS, Settings

_HELP = {s.name: f"{s.help} [env {s.env}; default {s.default}]" for s in SETTINGS}


def _settings(**overrides: Any) -> Settings:
    return Settings.from_env(**overrides)


def _file_options(command: Any) -> Any:
    """Flags for the data file settings (secrets stay in the environment, never on a command line)."""
    for name in (
        "max_chunk_bytes",
        "upload_check_interval",
        "upload_credentials_ttl",
        "upload_scoping",
        "s3_endpoint_url",
    ):
        setting = next(s for s in SETTINGS if s.name == name)
        flag = "--" + name.replace("_", "-")
        command = click.option(flag, name, type=setting.type, help=_HELP[name])(command)
    return command


@click.group()
@click.version_option(package_name="docket")
def main() -> None:
    """Docket: a self-hosted data coordination portal."""


@main.command()
@click.option("--database", help=_HELP["database"])
@click.option("--model", help=_HELP["model"])
@click.option("--files", help=_HELP["files"])
@click.option("--host", help=_HELP["host"])
@click.option("--port", type=int, help=_HELP["port"])
@click.option("--workers", type=int, help=_HELP["workers"])
@click.option("--demo", is_flag=True, help="Load the demo data set and print an admin key.")
@click.option("--log-level", default="warning", show_default=True, help="uvicorn log level.")
@_file_options
def serve(demo: bool, log_level: str, **options: Any) -> None:
    """Run the portal; creates or upgrades the database first."""
    import uvicorn

    from docket.api.app import create_app
    from docket.services.bootstrap import keypairs_entry
    from docket.services.demo import load_demo
    from docket.services.portal import Portal

    settings = _settings(**options)
    if not settings.secret_key:
        # Every worker must sign sessions with the same key; the workers get it through their environment.
        settings = dataclasses.replace(settings, secret_key=secrets.token_urlsafe(32))
    portal = Portal(settings)
    created = portal.initialize()
    server = f"http://{settings.host}:{settings.port}"
    if created:
        click.echo(f"Created a new database at {settings.describe()['database']}", err=True)
    if demo:
        key = load_demo(portal)
        click.echo("Demo data loaded. Admin key (keypairs.json entry):", err=True)
        click.echo(json.dumps(keypairs_entry(key, server), indent=2))
    sys.stdout.flush()
    click.echo(f"Docket serving {portal.model.title} on {server} (model {portal.model.name})", err=True)
    if settings.workers > 1:
        portal.close()
        os.environ.update(settings.to_env())
        uvicorn.run(
            "docket.api.app:app_from_env",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            log_level=log_level,
        )
    else:
        uvicorn.run(create_app(portal), host=settings.host, port=settings.port, log_level=log_level)


@main.group()
def keys() -> None:
    """Access keys, managed directly on the database (this is how the first admin is made)."""


@keys.command("create")
@click.option("--email", required=True, help="The user's email; the user is created if new.")
@click.option("--admin", is_flag=True, help="Make the user an admin.")
@click.option("--lab", help="A lab name the user belongs to and submits for (created if new).")
@click.option("--server", default=None, help="Server URL written into the keypairs.json entry.")
@click.option("--name", "entry", default="default", show_default=True, help="Name of the keypairs.json entry.")
@click.option("--database", help=_HELP["database"])
@click.option("--model", help=_HELP["model"])
def keys_create(email: str, admin: bool, lab: str | None, server: str | None, entry: str, **options: Any) -> None:
    """Print a keypairs.json entry with a new key for a new or existing user."""
    from docket.services.bootstrap import create_key_for, keypairs_entry
    from docket.services.portal import Portal

    settings = _settings(**options)
    portal = Portal(settings)
    portal.initialize()
    key = create_key_for(portal, email, admin=admin, lab=lab)
    click.echo(json.dumps(keypairs_entry(key, server or f"http://{settings.host}:{settings.port}", entry), indent=2))


@keys.command("revoke")
@click.argument("key_id")
@click.option("--database", help=_HELP["database"])
@click.option("--model", help=_HELP["model"])
def keys_revoke(key_id: str, **options: Any) -> None:
    """Revoke an access key by its id."""
    from docket.errors import NotFound
    from docket.services.portal import Portal
    from docket.services.principal import SYSTEM

    portal = Portal(_settings(**options))
    portal.initialize()
    try:
        portal.accounts.revoke_key(SYSTEM, key_id)
    except NotFound:
        raise click.ClickException(f"No access key {key_id!r}") from None
    click.echo(f"Revoked {key_id}")


@main.group()
def files() -> None:
    """Data files, on the database and blob store directly."""


@files.command("check")
@click.option("--database", help=_HELP["database"])
@click.option("--model", help=_HELP["model"])
@click.option("--files", help=_HELP["files"])
@click.option("--s3-endpoint-url", "s3_endpoint_url", help=_HELP["s3_endpoint_url"])
def files_check(**options: Any) -> None:
    """Complete uploads that landed without reporting it (aws s3 cp), as the server does periodically."""
    from docket.services.portal import Portal

    portal = Portal(_settings(**options))
    portal.initialize()
    results = portal.files.check_uploads()
    for found in results:
        click.echo(f"{found.state}\t{found.key}" + (f"\t{found.reason}" if found.reason else ""))
    done = sum(1 for r in results if r.state in ("uploaded", "upload failed"))
    click.echo(f"Checked {len(results)} upload(s); {done} completed.", err=True)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--item", help="The File item to upload PATH to: any identifier (uuid, accession, alias, @id).")
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TSV or CSV with a 'path' column plus 'item', or 'type' and the columns to create each File.",
)
@click.option("--keyfile", type=click.Path(dir_okay=False, path_type=Path), help="keypairs.json [~/keypairs.json].")
@click.option("--key", "key_name", default="default", show_default=True, help="Entry of the key file.")
@click.option("--server", help="Server URL, instead of the key file entry's.")
@click.option("--jobs", "-j", default=4, show_default=True, help="Files uploaded at the same time.")
@click.option("--chunk-size", default=64, show_default=True, help="MiB per request; a failed chunk is resent.")
@click.option("--limit-rate", type=float, help="Cap the speed per file, in MiB/s.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def upload(
    paths: tuple[Path, ...],
    item: str | None,
    manifest: Path | None,
    keyfile: Path | None,
    key_name: str,
    server: str | None,
    jobs: int,
    chunk_size: int,
    limit_rate: float | None,
    quiet: bool,
) -> None:
    """Upload data files to File items, resumably and in parallel (docs/uploads.md)."""
    from dataclasses import replace

    from docket.client.http import PortalClient
    from docket.client.keys import KeyfileError, load_credentials
    from docket.client.upload import ManifestError, MiB, Uploader, UploadTask, read_manifest

    if bool(manifest) == bool(paths):
        raise click.UsageError("Give either PATH --item ID, or --manifest FILE")
    try:
        if manifest:
            tasks = read_manifest(manifest)
        else:
            if not item or len(paths) != 1:
                raise click.UsageError("PATH needs --item ID (one path per item; use --manifest for many)")
            tasks = [UploadTask(paths[0], item)]
        credentials = load_credentials(keyfile, key_name)
    except (ManifestError, KeyfileError) as exc:
        raise click.ClickException(str(exc)) from None
    if server:
        credentials = replace(credentials, server=server.rstrip("/"))
    sizes = sum(t.path.stat().st_size for t in tasks if t.path.is_file())
    with PortalClient(credentials) as client:
        uploader = Uploader(client, chunk_size=chunk_size * MiB, jobs=jobs, limit_rate=(limit_rate or 0) * MiB or None)
        if quiet:
            outcomes = uploader.run(tasks)
        else:
            from docket.client.progress import RichProgress

            with RichProgress(sizes, len(tasks)) as progress:
                uploader.progress = progress
                outcomes = uploader.run(tasks)
    failed = [o for o in outcomes if o.state == "failed"]
    for outcome in outcomes:
        resumed = f" (resumed at byte {outcome.resumed_from})" if outcome.resumed_from else ""
        line = f"{outcome.state}\t{outcome.task.path}\t{outcome.item}{resumed}"
        click.echo(line + (f"\t{outcome.detail}" if outcome.detail else ""))
    counts = {state: sum(1 for o in outcomes if o.state == state) for state in ("uploaded", "skipped", "failed")}
    click.echo(", ".join(f"{n} {state}" for state, n in counts.items()) + f" of {len(outcomes)} file(s)", err=True)
    if failed:
        click.echo("Failures:", err=True)
        for outcome in failed:
            click.echo(f"  {outcome.task.label}: {outcome.detail}", err=True)
        sys.exit(1)


@main.group()
def users() -> None:
    """Users' web sign-in, managed directly on the database (this is how the first admin signs in)."""


@users.command("set-password")
@click.option("--email", required=True, help="The user's email.")
@click.option("--create", is_flag=True, help="Create the user if there is none with this email.")
@click.option("--admin", is_flag=True, help="Make the user an admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
@click.option("--reset-two-factor", is_flag=True, help="Also remove the user's two-factor secret.")
@click.option("--database", help=_HELP["database"])
@click.option("--model", help=_HELP["model"])
def users_set_password(
    email: str, create: bool, admin: bool, password_stdin: bool, reset_two_factor: bool, **options: Any
) -> None:
    """Set the password a user signs in to the web pages with."""
    from docket.errors import ValidationFailed
    from docket.services.bootstrap import ensure_user
    from docket.services.portal import Portal

    portal = Portal(_settings(**options))
    portal.initialize()
    if create or admin:
        ensure_user(portal, email, admin=admin)
    user = portal.accounts.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email!r} (add --create to make one)")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = portal.passwords.set_password(user, password)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(e.description for e in exc.errors)) from None
    if reset_two_factor and user.properties.get("totp_secret"):
        portal.passwords.remove_two_factor(user)
    click.echo(f"Password set for {email}", err=True)


# -- submitter tools (client side: they talk to a portal over HTTP with a keypairs.json entry) -------


def _portal_client(keyfile: str | None, key: str) -> Any:
    from docket.client.http import PortalClient
    from docket.client.keys import KeyfileError, load_credentials

    try:
        return PortalClient(load_credentials(keyfile, key))
    except KeyfileError as exc:
        raise click.ClickException(str(exc)) from None


_keyfile_option = click.option("--keyfile", help="keypairs.json with the server and key [default ~/keypairs.json]")
_key_option = click.option("--key", default="default", show_default=True, help="Entry of the keypairs file.")


@main.command()
@click.option("--type", "types", multiple=True, help="An item type to include (repeat for several).")
@click.option(
    "--preset", help="A Submit4DN preset: hic, chipseq, repliseq, atacseq, damid, chiapet, capturec, fish, spt."
)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "tsv"]), help="Default: from the output name.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="book.xlsx (or book.tsv ...)")
@_keyfile_option
@_key_option
def workbook(
    types: tuple[str, ...], preset: str | None, fmt: str | None, output: str, keyfile: str | None, key: str
) -> None:
    """Generate a submission workbook from the server's profiles (Submit4DN's layout)."""
    from pathlib import Path

    from docket.client.http import PortalError
    from docket.client.workbook import generate_workbook

    with _portal_client(keyfile, key) as client:
        try:
            written = generate_workbook(client, Path(output), types, preset, fmt)
        except (ValueError, PortalError) as exc:
            raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"Wrote {path}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--commit", is_flag=True, help="Write the items (all or nothing); without it, a dry run.")
@click.option("--patch", is_flag=True, help="Update items that exist (matched by alias, accession or uuid).")
@click.option("--report", type=click.Path(dir_okay=False), help="Write a copy of the workbook with bad cells marked.")
@click.option("--lab", help="Lab for new items without one [default: the first lab you submit for].")
@click.option("--award", help="Award for new items without one [default: the lab's award, if it has one].")
@_keyfile_option
@_key_option
def submit(
    files: tuple[str, ...],
    commit: bool,
    patch: bool,
    report: str | None,
    lab: str | None,
    award: str | None,
    keyfile: str | None,
    key: str,
) -> None:
    """Validate workbooks (xlsx, csv, tsv) cell by cell and submit them in one transaction."""
    from pathlib import Path

    from rich.console import Console

    from docket.client.http import PortalError
    from docket.client.workbook import Submission, SubmitOptions, summarize

    options = SubmitOptions(commit, patch, Path(report) if report else None, lab, award)
    console = Console(stderr=True)
    paths = [Path(f) for f in files]
    with _portal_client(keyfile, key) as client:
        try:
            outcome = Submission(client, options, console).run(paths)
        except (ValueError, PortalError) as exc:
            raise click.ClickException(str(exc)) from None
    summarize(outcome, options, Console(), paths)
    if report:
        click.echo(f"Report written to {report}", err=True)
    if not outcome.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
