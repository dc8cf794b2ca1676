"""Importing a Common Transfer File: the planner and the applier of `ImportKind.CTF`.

The file's school is the one its DestSchool names (LA and establishment number, else URN): a file
for another school, or for no school in SEN Track, is refused whole. Each pupil is matched to the
school's records by UPN (a pupil on the roll before one who left), then by former UPN, then by
surname, forename and date of birth; then planned as new, changed (field by field), unchanged or
in error. A UPN held by another school's pupil in this SEN Track (and not by this school's) plans
a transfer from that record instead of a new pupil.

SEN history in the file never overwrites what the school recorded: a new pupil's history is
stored on confirming; for a pupil already known, a file whose current SEN differs from the open
status opens a `SenDifference` for the SENCO (`sen_differences`), and does not count as a change.
Every pupil applied has the file's SEN kept in `MisSen`, for the census check.

The school's pupils are loaded once for the whole file (not once per pupil), with their contacts,
open statuses, last SEN differences and the file's SEN last kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import ImportBatch, ImportKind, LocalAuthority, Pupil, School, TransferStatus, User
from sentrack.workflows import RuleBroken, ctf_rows
from sentrack.workflows.ctf_apply import add_new_pupils, apply_row, changes_contacts, save_details
from sentrack.workflows.ctf_changes import contact_changes, pupil_changes
from sentrack.workflows.ctf_format import CtfFile, CtfHeader, CtfRefused, CtfSchool
from sentrack.workflows.ctf_known import Known, difference_due, load_known, match
from sentrack.workflows.imports import (
    APPLIERS,
    CHANGED,
    ERROR,
    NEW,
    PLANNERS,
    UNCHANGED,
    Planned,
    RowPlan,
    refused_on_applying,
    same_record,
)

# --- The file's school ----------------------------------------------------------------------------


def school_named(session: Session, destination: CtfSchool) -> School | None:
    """The school a CTF's DestSchool names: by LA and establishment number, else by URN."""
    la, estab, urn = (destination.la or "").strip(), (destination.estab or "").strip(), (destination.urn or "").strip()
    if len(la) == 3 and la.isdigit() and len(estab) == 4 and estab.isdigit():
        found = session.scalar(
            sa.select(School)
            .join(LocalAuthority, LocalAuthority.id == School.local_authority_id)
            .where(LocalAuthority.code == la, School.estab_number == estab)
        )
        if found is not None:
            return found
    if urn:
        return session.scalar(sa.select(School).where(School.urn == urn))
    return None


def check_destination(session: Session, *, school: School, header: CtfHeader, file_name: str) -> None:
    """Refused (on the file field) unless the file's DestSchool is `school`, whoever sent it."""
    named = school_named(session, header.destination)
    if named is None:
        raise RuleBroken(
            f"{file_name} is not for a school in SEN Track: its destination school is not known here", field="file"
        )
    if named.id != school.id:
        raise RuleBroken(
            f"{file_name} is a Common Transfer File for another school: it cannot be imported for {school.name}",
            field="file",
        )


def read_file(data: bytes, *, file_name: str) -> CtfFile:
    """The file read, or RuleBroken on the file field with the reader's reason."""
    from sentrack.workflows.ctf_read import read_ctf

    try:
        return read_ctf(data, file_name=file_name)
    except CtfRefused as refused:
        raise RuleBroken(refused.message, field="file") from refused


def header_values(header: CtfHeader) -> dict[str, Any]:
    """What the preview keeps of the file's header: where it came from, its version and date."""
    source = header.source
    return {
        "version": header.version,
        "created": header.created.isoformat() if header.created else None,
        "qualifier": header.qualifier,
        "supplier": header.supplier,
        "source": {"la": source.la, "estab": source.estab, "urn": source.urn, "name": source.name},
    }


# --- Planning ---------------------------------------------------------------------------------------


def _plan_new(known: Known, plan: RowPlan) -> None:
    values = plan.values
    if values["year_group"] is None:
        plan.errors.append(("year_group", "The file gives no national curriculum year for a pupil new to the school"))
    sen = ctf_rows.current_sen(values)
    if sen is not None and sen.provision is not None and not ctf_rows.needs_fit(sen.provision, sen.primary_need):
        plan.errors.append(("sen", "The file's SEN provision has no need type that SEN Track can record with it"))
    plan_transfer(known, plan)


def plan_transfer(known: Known, plan: RowPlan) -> None:
    """A new pupil whose UPN is on a record of another school in SEN Track (`known.elsewhere`):
    that school is asked to transfer the record (`plan.transfer_from`), unless this school asked
    already (then the row changes nothing while the answer waits, or adds a new pupil once it was
    declined) or a third school awaits the same record (an error). The pupils CSV plans its new
    pupils with this too: the SEN file is on the previous school's record, whatever the file holds."""
    elsewhere = known.elsewhere.get(plan.values["upn"])
    if elsewhere is None:
        return
    transfer = known.transfers.get(elsewhere)
    if transfer is None and elsewhere in known.awaited_elsewhere:
        plan.errors.append(("upn", AWAITED_ELSEWHERE))
    elif transfer is TransferStatus.AWAITING:
        plan.status = UNCHANGED
        plan.warnings.append("A transfer of this pupil's record is waiting for the previous school to confirm")
    elif transfer is TransferStatus.DECLINED:
        plan.warnings.append("The previous school declined the transfer: the pupil is added as a new record")
    else:
        plan.transfer_from = elsewhere
        plan.warnings.append(
            "The pupil's UPN is on a record of another school in SEN Track: the previous school is asked to transfer it"
        )


AWAITED_ELSEWHERE = (
    "The pupil's UPN is on a record of another school in SEN Track that a third school is already "
    "waiting for: import the pupil again once the previous school has confirmed or declined that transfer"
)


def _plan_known(known: Known, plan: RowPlan, pupil: Pupil) -> None:
    plan.record_id = pupil.id
    plan.changes = pupil_changes(pupil, plan.values) + contact_changes(pupil, plan.values)
    plan.sen_differs = difference_due(known, pupil, ctf_rows.current_sen(plan.values))[0]
    plan.status = CHANGED if plan.changes else UNCHANGED
    if pupil.left_on is not None:
        plan.warnings.append("This pupil's record is of a pupil who left: it is updated, and they stay a leaver")


def plan_row(
    known: Known, position: int, values: dict[str, Any], today: date, duplicates: set[str], problems=()
) -> RowPlan:
    """One pupil of the file against what SEN Track holds. `problems`: what the reader could not
    read of the pupil, as (field, message), each field named once."""
    found, warnings = ctf_rows.row_problems(values, today)
    errors = list(problems) + [(name, message) for name, message in found if name not in dict(problems)]
    if values["upn"] in duplicates:
        errors.append(("upn", "The same UPN is given to more than one pupil in this file"))
    label = f"{values['first_name']} {values['last_name']}".strip() or f"Pupil {position}"
    plan = RowPlan(position=position, label=label, status=NEW, errors=errors, warnings=warnings, values=values)
    pupil, plan.match = match(known, values) if not errors else (None, None)
    if pupil is not None:
        _plan_known(known, plan, pupil)
    elif not errors:
        _plan_new(known, plan)
    if plan.errors:
        plan.status, plan.changes, plan.sen_differs, plan.transfer_from = ERROR, [], False, None
    return plan


def plan_entries(known: Known, entries: list[tuple], today: date) -> list[RowPlan]:
    """Each (position, values[, problems]) of a file planned against what SEN Track holds. A row
    matching the record an earlier row matched is in error, naming that row (`imports.same_record`)."""
    duplicates = ctf_rows.duplicate_upns([entry[1] for entry in entries])
    claimed: dict[int, tuple[int, str | None]] = {}
    plans = []
    for entry in entries:
        plan = plan_row(known, *entry[:2], today, duplicates, *entry[2:])
        clash = same_record(claimed, plan)
        if clash:
            plan.errors.append(("upn", clash))
            plan.status, plan.changes, plan.sen_differs, plan.record_id = ERROR, [], False, None
        plans.append(plan)
    return plans


def plan_ctf(session: Session, *, school: School, data: bytes, file_name: str, today: date) -> Planned:
    """The planner of `ImportKind.CTF`: the file read, refused whole (RuleBroken on the file field)
    when it cannot be read or is not for `school`; each pupil planned. Stores nothing."""
    ctf = read_file(data, file_name=file_name)
    return plan_file(session, school=school, ctf=ctf, file_name=file_name, today=today)


# The file's elements by the names of the fields the preview's errors give (others as the file names them).
FIELDS = {
    "UPN": "upn",
    "FormerUPN": "former_upn",
    "Surname": "last_name",
    "Forename": "first_name",
    "DOB": "date_of_birth",
    "Sex": "sex",
    "Gender": "sex",
    "NCyearActual": "year_group",
    "EntryDate": "admitted_on",
}


def _named(problems) -> tuple[tuple[str, str], ...]:
    return tuple((FIELDS.get(field, field), message) for field, message in problems)


def plan_file(session: Session, *, school: School, ctf: CtfFile, file_name: str, today: date) -> Planned:
    check_destination(session, school=school, header=ctf.header, file_name=file_name)
    entries = [
        (pupil.position or number, ctf_rows.pupil_values(pupil), _named(pupil.problems))
        for number, pupil in enumerate(ctf.pupils, start=1)
    ]
    known = load_known(session, school, [entry[1]["upn"] for entry in entries])
    return Planned(header=header_values(ctf.header), rows=plan_entries(known, entries, today))


# --- Applying ---------------------------------------------------------------------------------------


def apply_ctf(session: Session, *, actor: User | None, batch: ImportBatch, rows: list[RowPlan], today: date) -> None:
    """The applier of `ImportKind.CTF`: the rows not in error planned again against the records as
    they are now; the new pupils added together, and each pupil changed (or asked of another
    school) in its own savepoint. A row refused now (a colleague's change since the preview made it
    wrong, another school asking for the same pupil's record first) is left out, and the stored
    preview shows it in error with the reason (`imports.refused_on_applying`); the others are
    applied."""
    entries = [(row.position, row.values) for row in rows if row.status != ERROR]
    known = load_known(session, batch.school, [values["upn"] for _, values in entries])
    planned = plan_entries(known, entries, today)
    refused = [plan for plan in planned if plan.status == ERROR]
    plans = [plan for plan in planned if plan.status != ERROR]
    add_new_pupils(
        session,
        actor=actor,
        batch=batch,
        known=known,
        plans=[plan for plan in plans if plan.status == NEW and plan.transfer_from is None],
    )
    refused += _apply_known(session, actor, batch, known, plans, today)
    refused_on_applying(batch, refused)
    session.flush()


def _apply_known(
    session: Session, actor: User | None, batch: ImportBatch, known: Known, plans: list[RowPlan], today: date
) -> list[RowPlan]:
    """The pupils the school holds, and those asked of another school; returns the rows refused.
    The changed pupils whose contacts stay as they are (nothing of their row can be refused) have
    their details changed together (`save_details`, the next September's file of 2,000 pupils a
    year up in a few statements) and the rest of their row applied without a savepoint; the
    others, and all of them when a colleague saved one meanwhile, each in its own savepoint."""
    plain = [plan for plan in plans if plan.status == CHANGED and not changes_contacts(plan)]
    together = (
        {plan.position for plan in plain} if save_details(session, actor=actor, known=known, plans=plain) else set()
    )
    refused = []
    for plan in plans:
        if (plan.status == UNCHANGED and plan.record_id is not None) or plan.position in together:
            # SEN set aside and kept at most: nothing here is refused
            apply_row(session, actor=actor, batch=batch, known=known, plan=plan, today=today, details_saved=True)
        elif plan.status == CHANGED or plan.transfer_from is not None:
            try:
                with session.begin_nested():
                    apply_row(session, actor=actor, batch=batch, known=known, plan=plan, today=today)
            except RuleBroken as broken:
                plan.errors.append((broken.field or "upn", broken.message))
                refused.append(plan)
    return refused


PLANNERS[ImportKind.CTF] = plan_ctf
APPLIERS[ImportKind.CTF] = apply_ctf
