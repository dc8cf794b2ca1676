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
    """The people whose second factor `user` may reset and who have one, by name."""
    found = []
    for member in session.scalars(access.second_factor_colleagues(user)):
        if not access.may_reset_second_factor(user, member):
            continue
        methods = factors.enrolled_methods(session, member)
        if methods:
            found.append(Colleague(member=member, methods=methods))
    return found
