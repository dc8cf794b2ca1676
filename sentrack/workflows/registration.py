"""A pupil's registration class (form or tutor group): one each. Joining a registration class while
in another current one is asked about, wherever a pupil joins a class (the pupil form, a class's
pupils, a CSV of the roll, whose preview warns): move the pupil (they leave the other) or keep
them in both, as a pupil registered in two places for a while may be. Teaching groups and sets
are as many as the timetable gives, and are never asked about."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import Pupil, TeachingGroup, group_pupils
from sentrack.models.enums import GroupKind
from sentrack.workflows.confirmations import Question

FIELD = "registration"
NAMES_LISTED = 12  # pupils named in a question about many; the rest are counted


def _ids(groups: Iterable[TeachingGroup]) -> str:
    return ",".join(str(group.id) for group in sorted(groups, key=lambda group: group.id))


def class_names(groups: Iterable[TeachingGroup]) -> str:
    """Classes by name in a sentence: "4 Ash", "4 Ash and 4 Oak", "4 Ash, 4 Elm and 4 Oak"."""
    names = sorted((group.name for group in groups), key=str.lower)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def kept_ids(answer: str) -> set[int]:
    """The registration classes an answer to `pupil_question` keeps the pupil in."""
    return {int(part) for part in answer.rsplit(":", 1)[1].split(",")}


def pupil_question(name: str, already: list[TeachingGroup], joining: list[TeachingGroup]) -> Question | None:
    """The question when a pupil (called `name`) who stays in the registration classes `already`
    is to join those `joining`: each answer keeps them in some of them (`kept_ids`). None when they
    end in at most one registration class."""
    if not joining or len(already) + len(joining) < 2:
        return None
    key = f"{_ids(joining)}/{_ids(already)}"
    everyone = [*already, *joining]
    both = "both" if len(everyone) == 2 else "all of"
    keep_all = (f"{key}:{_ids(everyone)}", f"Keep {name} in {both} {class_names(everyone)}")
    if already:
        message = (
            f"{name} is already in registration class {class_names(already)}. "
            f"Move {name} to {class_names(joining)}, or keep {name} in both?"
        )
        move = (f"{key}:{_ids(joining)}", f"Move {name} to {class_names(joining)}, leaving {class_names(already)}")
        return Question(FIELD, message, (keep_all, move))
    message = (
        f"{class_names(joining)} are registration classes, and a pupil usually has one. "
        f"Keep {name} in {both} them, or choose one?"
    )
    only = [(f"{key}:{group.id}", f"Only {group.name}") for group in sorted(joining, key=lambda g: g.name.lower())]
    return Question(FIELD, message, (keep_all, *only))


def registration_classes(session: Session, pupil_ids: Iterable[int], *, besides: int | None = None) -> dict:
    """Each pupil's current registration classes (pupil id: classes by name), other than the class
    `besides`, in one query."""
    ids = set(pupil_ids)
    if not ids:
        return {}
    query = (
        sa.select(group_pupils.c.pupil_id, TeachingGroup)
        .join(TeachingGroup, TeachingGroup.id == group_pupils.c.group_id)
        .where(
            group_pupils.c.pupil_id.in_(ids),
            TeachingGroup.ended_on.is_(None),
            TeachingGroup.kind == GroupKind.REGISTRATION,
        )
        .order_by(TeachingGroup.name)
    )
    if besides is not None:
        query = query.where(TeachingGroup.id != besides)
    found: dict[int, list[TeachingGroup]] = defaultdict(list)
    for pupil_id, group in session.execute(query):
        found[pupil_id].append(group)
    return dict(found)


def joining_question(group: TeachingGroup, pupils: list[Pupil], elsewhere: dict[int, list]) -> Question | None:
    """The question when `pupils` join the registration class `group` and some of them are in
    another (`elsewhere`, from `registration_classes`): move them all (the answer starting "move")
    or keep them in both."""
    clashing = [pupil for pupil in pupils if elsewhere.get(pupil.id)]
    if not group.is_registration or not clashing:
        return None
    clashing.sort(key=lambda pupil: (pupil.last_name.lower(), pupil.first_name.lower(), pupil.id))
    key = f"{group.id}:{','.join(str(pupil.id) for pupil in sorted(clashing, key=lambda pupil: pupil.id))}"
    named = [f"{pupil.full_name} ({class_names(elsewhere[pupil.id])})" for pupil in clashing[:NAMES_LISTED]]
    if len(clashing) > NAMES_LISTED:
        named.append(f"{len(clashing) - NAMES_LISTED} more")
    if len(clashing) == 1:
        pupil = clashing[0]
        message = (
            f"{pupil.full_name} is already in registration class {class_names(elsewhere[pupil.id])}. "
            f"Move them to {group.name}, or keep them in both?"
        )
    else:
        message = (
            f"{len(clashing)} pupils ticked are already in another registration class: {', '.join(named)}. "
            f"Move them to {group.name}, or keep them in both?"
        )
    answers = (
        (f"both:{key}", "Keep them in both registration classes"),
        (f"move:{key}", f"Move them to {group.name}: they leave their other registration class"),
    )
    return Question(FIELD, message, answers)
