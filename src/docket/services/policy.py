"""Portal-wide policies that admins change while the portal runs, kept in the database.

The two-factor sign-in policy: ``none`` (optional for everyone), ``submitters`` (required for users who
submit for a lab, and admins) or ``everyone``. Until an admin sets it, the ``require_two_factor`` setting
(``DOCKET_REQUIRE_TWO_FACTOR``) applies.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from docket.errors import BadRequest, Forbidden
from docket.services.principal import Principal
from docket.store.protocol import SettingsStore

TWO_FACTOR_POLICIES = ("none", "submitters", "everyone")
_NAME = "require_two_factor"


class TwoFactorPolicy:
    def __init__(self, store: SettingsStore, default: Callable[[], str]) -> None:
        self.store = store
        self.default = default

    def current(self) -> str:
        return self.store.get_setting(_NAME) or self.default()

    def set(self, principal: Principal, value: str) -> None:
        if not principal.is_admin:
            raise Forbidden("Only admins may change the two-factor policy")
        if value not in TWO_FACTOR_POLICIES:
            raise BadRequest(f"Unknown two-factor policy {value!r}; use one of {', '.join(TWO_FACTOR_POLICIES)}")
        self.store.set_setting(_NAME, value, principal.user_uuid, datetime.now(UTC).isoformat())
