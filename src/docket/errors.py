"""Domain errors, raised by the model, store and service layers and rendered in one place (``api.errors``).

Hierarchy::

    DocketError
    ├── ModelError            a data model folder is malformed (raised at load time)
    ├── ValidationFailed      one or more field-level problems in submitted data (HTTP 422)
    ├── BadRequest            the request itself is malformed (HTTP 400)
    ├── UnsupportedMediaType  the body is not JSON (HTTP 415)
    ├── NotAuthenticated      no or wrong credentials (HTTP 401)
    ├── Forbidden             authenticated, but not allowed (HTTP 403)
    ├── NotFound              no such item, collection or type visible to the caller (HTTP 404)
    ├── KeysConflict          a unique key (alias, accession, name, md5) is taken (HTTP 409)
    └── PayloadTooLarge       the body is over the configured limit (HTTP 413)

Every error carries machine-readable fields; none carries HTTP objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


class DocketError(Exception):
    """Base of every error Docket raises on purpose."""

    detail: str = ""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail


class ModelError(DocketError):
    """The data model folder cannot be loaded."""


@dataclass(frozen=True)
class FieldError:
    """One problem in submitted data.

    ``name`` follows snovault: ``"Schema: <dotted.path>"`` for schema errors, or a free label.
    ``index`` is the position of the item inside a batch, when the write was a batch.
    """

    name: str
    description: str
    path: tuple[str | int, ...] = ()
    index: int | None = None
    location: str = "body"

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {
            "location": self.location,
            "name": self.name,
            "description": self.description,
        }
        if self.index is not None:
            body["index"] = self.index
            body["path"] = list(self.path)
        return body


def schema_error(path: Sequence[str | int], description: str, index: int | None = None) -> FieldError:
    dotted = ".".join(str(p) for p in path)
    return FieldError(name=f"Schema: {dotted}", description=description, path=tuple(path), index=index)


@dataclass
class ValidationFailed(DocketError):
    errors: list[FieldError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"{len(self.errors)} validation error(s)")

    @classmethod
    def of(cls, errors: Iterable[FieldError]) -> ValidationFailed:
        return cls(list(errors))


class BadRequest(DocketError):
    pass


class UnsupportedMediaType(DocketError):
    pass


class NotAuthenticated(DocketError):
    pass


class Forbidden(DocketError):
    pass


class NotFound(DocketError):
    pass


class PayloadTooLarge(DocketError):
    pass


class KeysConflict(DocketError):
    """``keys`` is a list of (key name, value) pairs already taken by another item."""

    def __init__(self, keys: Sequence[tuple[str, str]], index: int | None = None) -> None:
        self.keys = list(keys)
        self.index = index
        super().__init__(f"Keys conflict: {self.keys!r}")
