"""Who is asking: the user behind a request, with the facts permissions need."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    user_uuid: str | None = None
    email: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    lab: str | None = None
    submits_for: frozenset[str] = field(default_factory=frozenset)
    viewing_groups: frozenset[str] = field(default_factory=frozenset)
    access_key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.groups

    @property
    def is_anonymous(self) -> bool:
        return self.user_uuid is None

    @property
    def member_labs(self) -> frozenset[str]:
        labs = set(self.submits_for)
        if self.lab:
            labs.add(self.lab)
        return frozenset(labs)


ANONYMOUS = Principal()
SYSTEM = Principal(user_uuid=None, email="system", groups=frozenset({"admin"}))
