"""The demo school's imports from its MIS: two Common Transfer Files applied by the administrator
(one about six weeks ago, one a few days ago), each kept as the import keeps a preview, with one
row per pupil (`imports.RowPlan`) and the counts; the SEN provision and needs the latest file gave
for each pupil on the roll (`MisSen`), which the census check sets beside SEN Track's; and the SEN
differences the files raised: three waiting for the SENCO, one kept and one accepted earlier.

Most pupils' SEN in the MIS is SEN Track's; a handful disagree (a different primary need, SEN
support in the MIS for a pupil SEN Track has with no SEN, and the reverse), so that the census
check and the SENCO's reconciling both have something to show.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.demo.context import DemoContext
from sentrack.demo.dates import school_days_before
from sentrack.models import (
    DifferenceStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    MisSen,
    NeedType,
    Provision,
    Pupil,
    PupilTransfer,
    Role,
    RoleAssignment,
    School,
    SenDifference,
    SenStatus,
    User,
)
from sentrack.workflows.ctf_format import WRITTEN_VERSION, CtfNeed, CtfPupil, CtfSchool, CtfSenPeriod, file_name
from sentrack.workflows.ctf_rows import pupil_values
from sentrack.workflows.imports import NEW, UNCHANGED, RowPlan, counts, rows_of
from sentrack.workflows.register import on_roll

if TYPE_CHECKING:
    from sentrack.demo.transfers import Arrivals

EARLIER_IMPORT = 30  # school days before today
RECENT_IMPORT = 3
MIS_SUPPLIER = "Demo MIS"
# Needs the MIS gives where it disagrees with SEN Track.
OTHER_NEEDS = [NeedType.SLCN, NeedType.SEMH, NeedType.SPLD, NeedType.MLD, NeedType.ASD]


def import_days(today: date) -> tuple[date, date]:
    """The days of the earlier and the latest import."""
    return school_days_before(today, EARLIER_IMPORT), school_days_before(today, RECENT_IMPORT)


def applied_at(day: date) -> datetime:
    """When the administrator confirmed the import of `day`, a few minutes after uploading it."""
    return datetime.combine(day, time(8, 27), tzinfo=UTC)


def school_admin(session: Session, school_id: int) -> User:
    return session.scalars(
        sa.select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.school_id == school_id, RoleAssignment.role == Role.ADMIN)
        .order_by(User.id)
    ).first()


def add_mis_imports(
    session: Session, context: DemoContext, rng: random.Random, school: School, senco: User, arrivals: Arrivals
) -> int:
    """The imports, the MIS's SEN and the SEN differences of the demo school. Returns how many
    differences wait for the SENCO."""
    session.flush()
    earlier_day, recent_day = import_days(context.today)
    statuses = _open_statuses(session, school.id)
    roll = _on_roll(session, school.id, context.today)
    confirmed = arrivals.confirmed
    new_record = confirmed.to_pupil_id if confirmed else None
    picks = _pick(rng, [p for p in roll if p.id != new_record], statuses)
    mis = _mis_values(rng, roll, statuses, picks, recent_day)
    files = (_earlier_values(picks, statuses), mis)
    batches = []
    for sequence, (day, differing) in enumerate(
        ((earlier_day, ("kept", "accepted")), (recent_day, ("need", "off", "on"))), start=1
    ):
        # The import that found the arriving pupil lists them once: as the transfer's row.
        found = confirmed is not None and confirmed.requested_at == applied_at(day)
        listed = [p for p in _on_roll(session, school.id, day) if not (found and p.id == new_record)]
        sen = _file_sen(listed, statuses, files[sequence - 1])
        batches.append(
            _batch(session, context, school, (day, sequence), listed, {picks.get(r) for r in differing}, sen)
        )
    earlier, recent = batches
    for transfer in (confirmed, arrivals.awaiting):
        if transfer is not None:
            batch = earlier if transfer.requested_at == earlier.decided_at else recent
            transfer.batch_id = batch.id
            _add_transfer_row(batch, transfer)
    _add_differences(session, picks, mis, statuses, (earlier, recent), senco)
    session.execute(
        sa.insert(MisSen),
        [
            {"pupil_id": pupil_id, "batch_id": recent.id, "imported_at": recent.decided_at, **values}
            for pupil_id, values in mis.items()
        ],
    )
    return sum(role in picks for role in ("need", "off", "on"))


def _open_statuses(session: Session, school_id: int) -> dict[int, SenStatus]:
    return {
        status.pupil_id: status
        for status in session.scalars(
            sa.select(SenStatus)
            .join(Pupil, Pupil.id == SenStatus.pupil_id)
            .where(Pupil.school_id == school_id, SenStatus.end_date.is_(None))
        )
    }


def _on_roll(session: Session, school_id: int, day: date) -> list[Pupil]:
    return list(
        session.scalars(
            sa.select(Pupil).where(Pupil.school_id == school_id, on_roll(day)).order_by(Pupil.last_name, Pupil.id)
        )
    )


def _pick(rng: random.Random, roll: list[Pupil], statuses: dict[int, SenStatus]) -> dict[str, Pupil]:
    """The pupils whose SEN the MIS gives otherwise, by role: on SEN support with another primary
    need ("need") or with no SEN ("off"), or on SEN support where SEN Track has none ("on"); and
    those whose difference the SENCO kept ("kept") or accepted ("accepted") after the earlier import."""
    by_id = sorted(roll, key=lambda p: p.id)
    support = [p for p in by_id if p.id in statuses and statuses[p.id].provision is Provision.SEN_SUPPORT]
    none = [p for p in by_id if p.id not in statuses or statuses[p.id].provision is Provision.NONE]
    picks = dict(zip(("need", "off", "kept", "accepted"), rng.sample(support, min(4, len(support))), strict=False))
    if none:
        picks["on"] = rng.choice(none)
    return picks


def _needs(primary: NeedType | None, secondary: NeedType | None) -> list[dict[str, Any]]:
    return [{"rank": rank, "type": need.value} for rank, need in ((1, primary), (2, secondary)) if need is not None]


def _other_need(rng: random.Random, status: SenStatus) -> NeedType:
    return rng.choice([n for n in OTHER_NEEDS if n not in (status.primary_need, status.secondary_need)])


def _mis_values(
    rng: random.Random, roll: list[Pupil], statuses: dict[int, SenStatus], picks: dict[str, Pupil], day: date
) -> dict[int, dict[str, Any]]:
    """For each pupil on the roll, the provision, needs and start date the latest file gave:
    SEN Track's open status, but for the pupils picked to differ."""
    values = {}
    for pupil in roll:
        status = statuses.get(pupil.id)
        if status is None:
            values[pupil.id] = {"provision": Provision.NONE, "needs": [], "start_date": None}
        else:
            needs = _needs(status.primary_need, status.secondary_need)
            values[pupil.id] = {"provision": status.provision, "needs": needs, "start_date": status.start_date}
    if "need" in picks:
        status = statuses[picks["need"].id]
        other = _other_need(rng, status)
        secondary = status.secondary_need if status.secondary_need != other else None
        values[picks["need"].id]["needs"] = _needs(other, secondary)
    if "off" in picks:
        values[picks["off"].id] = {"provision": Provision.NONE, "needs": [], "start_date": day - timedelta(days=20)}
    if "on" in picks:
        need = rng.choice(OTHER_NEEDS[:3])
        values[picks["on"].id] = {
            "provision": Provision.SEN_SUPPORT,
            "needs": _needs(need, None),
            "start_date": day - timedelta(days=40),
        }
    return values


def _earlier_values(picks: dict[str, Pupil], statuses: dict[int, SenStatus]) -> dict[int, dict[str, Any]]:
    """The SEN the earlier file gave where it differed: another primary need for the pupil whose
    difference the SENCO kept; for the one accepted, what SEN Track's status now says."""
    values = {}
    for role in ("kept", "accepted"):
        if role in picks:
            status = statuses[picks[role].id]
            primary = status.primary_need
            if role == "kept":
                primary = next(n for n in OTHER_NEEDS if n not in (status.primary_need, status.secondary_need))
            needs = _needs(primary, status.secondary_need)
            values[picks[role].id] = {"provision": status.provision, "needs": needs, "start_date": status.start_date}
    return values


def _file_sen(
    listed: list[Pupil], statuses: dict[int, SenStatus], differing: dict[int, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """The SEN a file gave each listed pupil: what differs where it differs, else SEN Track's own."""
    sen = {}
    for pupil in listed:
        status = statuses.get(pupil.id)
        own = {"provision": Provision.NONE, "needs": [], "start_date": None}
        if status is not None:
            needs = _needs(status.primary_need, status.secondary_need)
            own = {"provision": status.provision, "needs": needs, "start_date": status.start_date}
        sen[pupil.id] = differing.get(pupil.id, own)
    return sen


def _file_values(pupil: Pupil, sen: dict[str, Any]) -> dict[str, Any]:
    """The pupil as the MIS's file gives them, kept in the preview's shape (`ctf_rows.pupil_values`)."""
    return pupil_values(
        CtfPupil(
            upn=pupil.upn,
            surname=pupil.last_name,
            forename=pupil.first_name,
            date_of_birth=pupil.date_of_birth,
            sex=pupil.sex,
            former_upn=pupil.former_upn,
            preferred_forename=pupil.preferred_name,
            preferred_surname=pupil.preferred_last_name,
            year_group=pupil.year_group,
            entry_date=pupil.admitted_on,
            sen=(CtfSenPeriod(sen["start_date"], sen["provision"].value),),
            needs=tuple(CtfNeed(need["rank"], need["type"]) for need in sen["needs"]),
        )
    )


def _add_differences(
    session: Session,
    picks: dict[str, Pupil],
    mis: dict[int, dict[str, Any]],
    statuses: dict[int, SenStatus],
    batches: tuple[ImportBatch, ImportBatch],
    senco: User,
) -> None:
    """The SEN differences: those of the latest file waiting for the SENCO (as the MIS gives the
    pupil's SEN), and those of the earlier file decided two days after it (kept: the file gave
    another primary need; accepted: SEN Track's status now is what the file gave)."""
    earlier, recent = batches
    for role in ("need", "off", "on"):
        if role in picks:
            values = mis[picks[role].id]
            session.add(_difference(picks[role], recent, values["provision"], values["needs"], values["start_date"]))
    decided_at = earlier.decided_at + timedelta(days=2, hours=4)
    gave = _earlier_values(picks, statuses)
    for role, state in (("kept", DifferenceStatus.KEPT), ("accepted", DifferenceStatus.ACCEPTED)):
        if role not in picks:
            continue
        values = gave[picks[role].id]
        difference = _difference(picks[role], earlier, values["provision"], values["needs"], values["start_date"])
        difference.status, difference.decided_by_id, difference.decided_at = state, senco.id, decided_at
        session.add(difference)


def _difference(pupil: Pupil, batch: ImportBatch, provision, needs: list[dict], start: date | None) -> SenDifference:
    ranked = {need["rank"]: NeedType(need["type"]) for need in needs}
    return SenDifference(
        pupil_id=pupil.id,
        batch_id=batch.id,
        provision=provision,
        primary_need=ranked.get(1),
        secondary_need=ranked.get(2),
        start_date=start,
        status=DifferenceStatus.OPEN,
        found_at=batch.decided_at,
    )


def _batch(
    session: Session,
    context: DemoContext,
    school: School,
    numbered: tuple[date, int],
    roll: list[Pupil],
    differing: set[Pupil | None],
    sen: dict[int, dict[str, Any]],
) -> ImportBatch:
    """An applied import of the MIS's CTF of `roll`, on the day and with the file's sequence
    number `numbered`: every pupil matched by UPN and unchanged, those in `differing` with SEN
    that differs from the school's."""
    day, sequence = numbered
    rows = [
        RowPlan(
            position=position,
            label=f"{pupil.first_name} {pupil.last_name}",
            status=UNCHANGED,
            match="upn",
            record_id=pupil.id,
            sen_differs=pupil in differing,
            values=_file_values(pupil, sen[pupil.id]),
        )
        for position, pupil in enumerate(roll, start=1)
    ]
    admin = school_admin(session, school.id)
    code = school.dfe_number or ""
    here = CtfSchool(la=school.local_authority.code, estab=school.estab_number, urn=school.urn)
    decided_at = applied_at(day)
    header = {
        "version": WRITTEN_VERSION,
        "created": datetime.combine(day, time(7, 55)).isoformat(),
        "qualifier": "full",
        "supplier": MIS_SUPPLIER,
        "source": {**asdict(here), "name": school.name, "academic_year": context.year_start.year},
        "destination": asdict(here),
    }
    batch = ImportBatch(
        school_id=school.id,
        kind=ImportKind.CTF,
        file_name=file_name(code, code, sequence),
        digest=hashlib.sha256(f"{context.seed}-{school.id}-{sequence}".encode()).hexdigest(),
        status=ImportStatus.APPLIED,
        header=header,
        rows=[asdict(row) for row in rows],
        counts=counts(rows),
        uploaded_by_id=admin.id,
        uploaded_at=decided_at - timedelta(minutes=7),
        decided_by_id=admin.id,
        decided_at=decided_at,
    )
    session.add(batch)
    session.flush()
    return batch


def _add_transfer_row(batch: ImportBatch, transfer: PupilTransfer) -> None:
    """The file's row of a pupil arriving from another school of this SEN Track: new here, with
    the record the UPN was found on."""
    details = transfer.details
    row = RowPlan(
        position=len(batch.rows) + 1,
        label=f"{details['first_name']} {details['last_name']}",
        status=NEW,
        transfer_from=transfer.from_pupil_id,
        values=details,
    )
    batch.rows = [*batch.rows, asdict(row)]
    batch.counts = counts(rows_of(batch))
