"""The pupil list: search, filter, sort and page, all in SQL and always inside the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack import access
from sentrack.models import NeedType, Provision, Pupil, SenStatus, User, group_pupils
from sentrack.workflows.register import on_roll
from sentrack.workflows.upn import normalise

SORTS = {
    "name": (Pupil.last_name, Pupil.first_name, Pupil.id),
    "year": (Pupil.year_group, Pupil.last_name, Pupil.first_name, Pupil.id),
}


@dataclass
class PupilFilters:
    q: str | None = None
    year: int | None = None
    group: int | None = None
    provision: Provision | None = None
    need: NeedType | None = None
    sort: str = "name"
    descending: bool = False


@dataclass
class PupilRow:
    pupil: Pupil
    sen_visible: bool
    provision: Provision | None
    primary_need: NeedType | None


@dataclass
class PupilPage:
    rows: list[PupilRow]
    total: int
    page: int
    pages: int
    per_page: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_or_upn(q: str) -> sa.ColumnElement[bool]:
    upn = normalise(q)
    pattern = f"%{_escape_like(q.lower())}%"
    full_name = sa.func.lower(Pupil.first_name + " " + Pupil.last_name)
    preferred = sa.func.lower(sa.func.coalesce(Pupil.preferred_name, "") + " " + Pupil.last_name)
    return sa.or_(full_name.like(pattern, escape="\\"), preferred.like(pattern, escape="\\"), Pupil.upn == upn)


def _conditions(user: User, filters: PupilFilters, today: date) -> list[sa.ColumnElement[bool]]:
    sen_scope = access.sen_scope(user)
    # The pupils on the roll today: a pupil who has left is in the list of leavers instead.
    conditions = [access.pupil_scope(user), on_roll(today)]
    if filters.q:
        conditions.append(_name_or_upn(filters.q))
    if filters.year is not None:
        conditions.append(Pupil.year_group == filters.year)
    if filters.group is not None:
        conditions.append(
            Pupil.id.in_(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == filters.group))
        )
    if filters.provision is not None:
        if filters.provision is Provision.NONE:
            conditions.append(sa.and_(sen_scope, sa.or_(SenStatus.id.is_(None), SenStatus.provision == Provision.NONE)))
        else:
            conditions.append(sa.and_(sen_scope, SenStatus.provision == filters.provision))
    if filters.need is not None:
        conditions.append(
            sa.and_(sen_scope, sa.or_(SenStatus.primary_need == filters.need, SenStatus.secondary_need == filters.need))
        )
    return conditions


def pupil_page(
    session: Session, user: User, filters: PupilFilters, *, page: int, per_page: int, today: date
) -> PupilPage:
    """One page of the pupils on the roll today that the user may see, with SEN provision where
    the user may see it."""
    open_status = sa.and_(SenStatus.pupil_id == Pupil.id, SenStatus.end_date.is_(None))
    conditions = _conditions(user, filters, today)
    total = (
        session.scalar(
            sa.select(sa.func.count(Pupil.id)).select_from(Pupil).outerjoin(SenStatus, open_status).where(*conditions)
        )
        or 0
    )
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)

    sen_visible = sa.case((access.sen_scope(user), sa.true()), else_=sa.false())
    if filters.sort == "provision":
        rank = sa.case(
            (SenStatus.provision == Provision.EHC_PLAN, 0), (SenStatus.provision == Provision.SEN_SUPPORT, 1), else_=2
        )
        # Provision is only a sort key where it is visible, so the order reveals nothing more.
        order = [sa.case((access.sen_scope(user), rank), else_=3), Pupil.last_name, Pupil.first_name, Pupil.id]
    else:
        order = list(SORTS.get(filters.sort, SORTS["name"]))
    if filters.descending:
        order = [order[0].desc(), *order[1:]]
    rows = session.execute(
        sa.select(Pupil, sen_visible, SenStatus.provision, SenStatus.primary_need)
        .outerjoin(SenStatus, open_status)
        .where(*conditions)
        .options(selectinload(Pupil.groups), selectinload(Pupil.school))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return PupilPage(
        rows=[
            PupilRow(
                pupil=pupil,
                sen_visible=bool(visible),
                provision=(provision or Provision.NONE) if visible else None,
                primary_need=need if visible else None,
            )
            for pupil, visible, provision, need in rows
        ],
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
    )


@dataclass
class LeaverPage:
    pupils: list[Pupil]
    total: int
    page: int
    pages: int
    per_page: int


def leaver_page(session: Session, user: User, q: str | None, *, page: int, per_page: int, today: date) -> LeaverPage:
    """One page of the pupils of the user's reach who have left the roll by `today` (no longer on
    it, and admitted before they left), the latest leavers first."""
    conditions = [
        access.scope_for(user, access.Ability.VIEW_LEAVERS),
        Pupil.left_on.is_not(None),
        sa.not_(on_roll(today)),
    ]
    if q:
        conditions.append(_name_or_upn(q))
    total = session.scalar(sa.select(sa.func.count(Pupil.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    pupils = session.scalars(
        sa.select(Pupil)
        .where(*conditions)
        .order_by(Pupil.left_on.desc(), Pupil.last_name, Pupil.first_name, Pupil.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return LeaverPage(pupils=list(pupils), total=total, page=page, pages=pages, per_page=per_page)


def load_staff(session: Session, user_ids) -> list[User]:
    """The users with these ids, in one query (and one for their roles), so that a page's links to
    them (who recorded, led or delivered something) find them in the session instead of loading
    them one by one. Keep the list while the page renders: the session holds loaded objects only
    as long as something refers to them."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    return list(session.scalars(sa.select(User).where(User.id.in_(wanted)))) if wanted else []
