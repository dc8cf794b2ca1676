"""Demo staff: each school's head, SENCO, admin, governor, class teachers and support assistants,
the demo sign-ins at school 1, and the authority's LA officer.

Every account has the demo password; other staff get an email made from their name at the
school's demo domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sentrack.auth.passwords import hash_password
from sentrack.demo import names
from sentrack.demo.context import DemoContext
from sentrack.demo.dates import DAY
from sentrack.demo.schools import Group, SchoolSpec
from sentrack.models import Role, RoleAssignment, RoleProposal, User, group_teachers

DEMO_PASSWORD = "sentrack-demo"


@dataclass
class Staff:
    senco_id: int
    teacher_of: dict[int, int]  # class id -> its teacher's user id
    demo_group_id: int | None  # the class of teacher@demo.test
    assistant_ids: list[int]  # the support assistants
    senco_name: str = ""


class StaffBuilder:
    def __init__(self, context: DemoContext) -> None:
        self.context = context
        self.password_hash = hash_password(DEMO_PASSWORD)  # once: hashing is slow on purpose
        self.emails: set[str] = set()
        self.names: dict[int, str] = {}

    def add_staff(self, spec: SchoolSpec, school_id: int, groups: list[Group]) -> Staff:
        """A head, a SENCO, an admin, a governor, a teacher per class and a few support
        assistants. At the demo school the main roles sign in as role@demo.test."""

        def add(role: Role, demo_email: str | None) -> int:
            email = demo_email if spec.is_demo_school else None
            return self.add_user(role, school_id=school_id, email=email, slug=spec.slug)

        add(Role.HEAD, "head@demo.test")
        senco_id = add(Role.SENCO, "senco@demo.test")
        admin_id = add(Role.ADMIN, "admin@demo.test")
        add(Role.GOVERNOR, "governor@demo.test")
        demo_group_id = None
        if spec.is_demo_school:
            demo_group_id = next((g.id for g in groups if g.year_group == 4), groups[0].id)
        teacher_of = {}
        for group in groups:
            email = "teacher@demo.test" if group.id == demo_group_id else None
            teacher_id = self.add_user(Role.TEACHER, school_id=school_id, email=email, slug=spec.slug)
            self.context.rows.add(group_teachers, group_id=group.id, user_id=teacher_id)
            teacher_of[group.id] = teacher_id
        assistant_ids = [
            add(Role.SUPPORT_ASSISTANT, "ta@demo.test" if index == 0 else None)
            for index in range(max(2, round(spec.pupils / 100)))
        ]
        if spec.is_demo_school and len(assistant_ids) > 1:
            # The administrator has proposed that an assistant teach a class: a role that opens
            # SEN records waits on the staff page for the head teacher or SENCO to confirm it.
            proposed_at = datetime.combine(self.context.today - 2 * DAY, time(10, 30), tzinfo=UTC)
            self.context.rows.add(
                RoleProposal,
                user_id=assistant_ids[1],
                role=Role.TEACHER,
                proposed_by_id=admin_id,
                proposed_at=proposed_at,
            )
        return Staff(senco_id, teacher_of, demo_group_id, assistant_ids, self.names[senco_id])

    def add_user(
        self,
        role: Role,
        *,
        school_id: int | None = None,
        la_id: int | None = None,
        email: str | None = None,
        slug: str = "",
    ) -> int:
        """A user holding `role`. Given an email, the user is a demo sign-in; otherwise the
        email is made from the name at the school's demo domain."""
        context = self.context
        rng = context.rng
        group = context.name_group()
        first = rng.choice(group.women if rng.random() < 0.7 else group.men)
        last = rng.choice(group.surnames)
        if email:
            context.summary.sign_ins.append((email, role.label))
        else:
            local = f"{names.ascii_word(first)}.{names.ascii_word(last)}"
            email = self._unique_email(local, f"{slug}.demo.test")
        self.emails.add(email)
        joined = datetime.combine(context.year_start - 7 * DAY, time(9), tzinfo=UTC)
        user_id = context.rows.add(
            User,
            email=email,
            full_name=f"{first} {last}",
            password_hash=self.password_hash,
            school_id=school_id,
            local_authority_id=la_id,
            active=True,
            created_at=joined,
        )["id"]
        context.rows.add(RoleAssignment, user_id=user_id, role=role, assigned_at=joined)
        self.names[user_id] = f"{first} {last}"
        context.summary.staff += 1
        return user_id

    def _unique_email(self, local: str, domain: str) -> str:
        email, number = f"{local}@{domain}", 1
        while email in self.emails:
            number += 1
            email = f"{local}{number}@{domain}"
        return email
