"""What the account's security pages show, each in a few statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sentrack import access
from sentrack.auth import factors
from sentrack.models import User


@dataclass(frozen=True)
class Colleague:
    member: User
    methods: list[str]  # the second factors they have, by method name

    @property
    def described(self) -> str:
        return ", ".join(factors.METHOD_NAMES.get(name, name) for name in self.methods)


def resettable_colleagues(session: Session, user: User) -> list[Colleague]:
    """The people whose second factor `user` may reset and who have one, by name: a statement for
    the people and one per method, however many they are."""
    members = [
        m for m in session.scalars(access.second_factor_colleagues(user)) if access.may_reset_second_factor(user, m)
    ]
    methods = factors.methods_of_many(session, members)
    return [Colleague(member=m, methods=methods[m.id]) for m in members if methods[m.id]]
