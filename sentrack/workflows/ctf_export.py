"""A leaver's Common Transfer File (CTF) for the next school, and the record of each one exported.

`ctf_for` builds the CTF of one pupil as plain values (`ctf_format`): basic details, contacts and
SEN history, from the pupil's school to the destination recorded with the leaving. `export_ctf`
records an export (a CTF alone, or in a transfer pack) under the DfE's file name, numbered
001, 002, ... per destination from this school, and audits it. It refuses, with the reason, a
school with no establishment number, a pupil who has not left, and a destination whose LA and
establishment numbers are unknown: the DfE's pseudo-codes for an unknown destination are not
confirmed (interop notes A2), so SEN Track asks for the destination rather than write a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sentrack import audit, clock
from sentrack.clock import SCHOOL_TIME, now
from sentrack.models import Contact, CtfExport, EhcPlan, ExportKind, Provision, Pupil, SenStatus, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.ctf_format import (
    RELATIONSHIPS,
    WRITTEN_VERSION,
    CtfContact,
    CtfFile,
    CtfHeader,
    CtfNeed,
    CtfPhone,
    CtfPupil,
    CtfSchool,
    CtfSenPeriod,
    file_name,
)
from sentrack.workflows.ctf_write import contact_name_parts
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.terms import academic_year_of

SUPPLIER = "SEN Track"
# The header's DateTime is written as the school's clock (clock.SCHOOL_TIME) reads it.
# How often an export is numbered again when another export to the same destination took the
# number first (two SENCOs at once): each try reads the numbers then committed.
NUMBER_TRIES = 5
# A download repeated by the same person for the same pupil, kind and destination within this
# time (a double click, a second tap while the first file is still coming) is the same export:
# one record, the same file name and sequence number sent again. After it, or by someone else,
# a download is a new export under the next number.
REPEAT_WINDOW = timedelta(seconds=30)

AUDITED = {ExportKind.CTF: "ctf_exported", ExportKind.PACK: "transfer_pack_exported"}

_LA = re.compile(r"\d{3}")
_ESTAB = re.compile(r"\d{4}")


def relationship_code(contact: Contact) -> str:
    """The census code of the contact's relationship: the one recorded, else the code whose words
    are the relationship as typed ("Mother" is PAM), else OTH."""
    if contact.relationship_code in RELATIONSHIPS:
        return contact.relationship_code
    typed = (contact.relationship_to_pupil or "").strip().casefold()
    return next((code for code, words in RELATIONSHIPS.items() if words.casefold() == typed), "OTH")


def _contact(contact: Contact, order: int) -> CtfContact:
    forename, surname = contact_name_parts(contact.name)
    return CtfContact(
        order=order,
        title=None,
        forename=forename,
        surname=surname,
        relationship=relationship_code(contact),
        responsibility=contact.parental_responsibility,
        address=contact.address or None,
        address_as_pupil=False,
        phones=tuple(CtfPhone(kind=kind, number=number) for kind, number in contact.phone_numbers),
        email=contact.email or None,
    )


def _needs(statuses: list[SenStatus]) -> tuple[CtfNeed, ...]:
    """The needs of the latest status (the current one, or the one open when the pupil left),
    ranked 1 (primary) and 2 (secondary)."""
    if not statuses:
        return ()
    latest = statuses[-1]
    if latest.provision is Provision.NONE:
        return ()
    ranked = [latest.primary_need, latest.secondary_need]
    return tuple(CtfNeed(rank, need.value) for rank, need in enumerate(ranked, start=1) if need is not None)


def source_school(pupil: Pupil, today: date) -> CtfSchool:
    school = pupil.school
    return CtfSchool(
        la=school.local_authority.code,
        estab=school.estab_number,
        urn=school.urn,
        name=school.name,
        academic_year=academic_year_of(today),
    )


def destination_school(pupil: Pupil) -> CtfSchool:
    return CtfSchool(
        la=pupil.destination_la,
        estab=pupil.destination_estab,
        urn=pupil.destination_urn,
        name=pupil.destination_name,
    )


def ctf_for(session: Session, pupil: Pupil, *, today: date | None = None) -> CtfFile:
    """The pupil's CTF: basic details, contacts and every SEN status as an <SEN> period (oldest
    first) with the latest status's needs ranked. Two queries (statuses, contacts)."""
    today = today or clock.today()
    statuses = list(
        session.scalars(
            sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id).order_by(SenStatus.start_date, SenStatus.id)
        )
    )
    contacts = list(
        session.scalars(sa.select(Contact).where(Contact.pupil_id == pupil.id).order_by(Contact.priority, Contact.id))
    )
    record = CtfPupil(
        upn=pupil.upn,
        surname=pupil.last_name,
        forename=pupil.first_name,
        date_of_birth=pupil.date_of_birth,
        sex=pupil.sex,
        former_upn=pupil.former_upn,
        preferred_surname=pupil.preferred_last_name,
        preferred_forename=pupil.preferred_name,
        year_group=pupil.year_group,
        entry_date=pupil.admitted_on,
        leaving_date=pupil.left_on,
        contacts=tuple(_contact(contact, order) for order, contact in enumerate(contacts, start=1)),
        sen=tuple(CtfSenPeriod(status.start_date, status.provision.value) for status in statuses),
        needs=_needs(statuses),
        position=1,
    )
    header = CtfHeader(
        version=WRITTEN_VERSION,
        created=now().astimezone(SCHOOL_TIME).replace(microsecond=0, tzinfo=None),
        qualifier="full",
        supplier=SUPPLIER,
        source=source_school(pupil, today),
        destination=destination_school(pupil),
    )
    return CtfFile(header=header, pupils=(record,))


def destination_code(pupil: Pupil) -> str | None:
    """The destination's LA and establishment numbers (LLLEEEE), or None while either is unknown."""
    la, estab = pupil.destination_la or "", pupil.destination_estab or ""
    if _LA.fullmatch(la) and _ESTAB.fullmatch(estab):
        return la + estab
    return None


def export_refusal(pupil: Pupil, today: date) -> str | None:
    """Why the pupil's CTF cannot be exported today, in words for the SENCO; None when it can."""
    if pupil.school.estab_number is None:
        return (
            "The school's establishment number is not recorded: the SENCO sets it in the rule settings, "
            "and a CTF can then be exported"
        )
    if pupil.left_on is None or pupil.left_on > today:
        return "The pupil has not left the school: a CTF is exported for a pupil who has left"
    if destination_code(pupil) is None:
        return (
            "The next school's LA and establishment numbers are not recorded: record the destination "
            "with the leaving first (SEN Track does not guess a code for an unknown school)"
        )
    return None


def _next_sequence(session: Session, school_id: int, destination: str) -> int:
    latest = session.scalar(
        sa.select(sa.func.max(CtfExport.sequence)).where(
            CtfExport.school_id == school_id, CtfExport.destination == destination
        )
    )
    return (latest or 0) + 1


def _repeated(session: Session, *, actor: User, pupil: Pupil, kind: ExportKind, destination: str) -> CtfExport | None:
    """The same person's export of the same file made within `REPEAT_WINDOW`, if any."""
    return session.scalar(
        sa.select(CtfExport)
        .where(
            CtfExport.pupil_id == pupil.id,
            CtfExport.exported_by_id == actor.id,
            CtfExport.kind == kind,
            CtfExport.destination == destination,
            CtfExport.exported_at >= now() - REPEAT_WINDOW,
        )
        .order_by(CtfExport.exported_at.desc(), CtfExport.id.desc())
        .limit(1)
    )


def _numbered(
    session: Session, *, actor: User, pupil: Pupil, kind: ExportKind, destination: str
) -> tuple[CtfExport, bool]:
    """The export under the next free sequence number to `destination`, or the same person's
    export of the same file made within `REPEAT_WINDOW`. A number taken meanwhile by another
    export (the unique constraint) is given up in a savepoint and the next one tried, looking
    again for a repeat first: a double click whose two posts both read the numbers before either
    wrote finds, on trying again, the export the first one made. Returns the export and whether
    it is a repeat."""
    source = pupil.school.dfe_number
    for _ in range(NUMBER_TRIES):
        repeated = _repeated(session, actor=actor, pupil=pupil, kind=kind, destination=destination)
        if repeated is not None:
            return repeated, True
        sequence = _next_sequence(session, pupil.school_id, destination)
        export = CtfExport(
            pupil_id=pupil.id,
            school_id=pupil.school_id,
            destination=destination,
            sequence=sequence,
            kind=kind,
            file_name=file_name(source, destination, sequence),
            exported_by_id=actor.id,
        )
        try:
            with session.begin_nested():
                session.add(export)
                session.flush()
        except IntegrityError:
            continue
        return export, False
    raise RuleBroken("Other files to the same school were being exported at the same moment: try again")


def export_ctf(
    session: Session, *, actor: User, pupil: Pupil, kind: ExportKind, today: date | None = None
) -> CtfExport:
    """Record that the pupil's CTF (alone, or in a transfer pack) is exported to the destination
    school, under the next sequence number; audited, and the pupil's task to send the SEN file
    settled. The same person's repeat within `REPEAT_WINDOW` records nothing new: the same export
    is given back (and its sending again audited). RuleBroken when `export_refusal` gives a reason."""
    today = today or clock.today()
    refusal = export_refusal(pupil, today)
    if refusal is not None:
        raise RuleBroken(refusal)
    export, again = _numbered(session, actor=actor, pupil=pupil, kind=kind, destination=destination_code(pupil))
    details = {"destination": export.destination, "sequence": export.sequence} | ({"sent_again": True} if again else {})
    audit.record(session, AUDITED[kind], actor=actor, pupil=pupil, about=export, details=details)
    settle_tasks(session, today, pupil_ids=[pupil.id])
    return export


@dataclass(frozen=True)
class Download:
    """An export as it is downloaded: the record, the file's name, its bytes and media type."""

    export: CtfExport
    name: str
    content: bytes
    media_type: str


def last_day_on_roll(pupil: Pupil) -> date | None:
    return pupil.left_on - timedelta(days=1) if pupil.left_on is not None else None


def left_with_sen_record(session: Session, pupils: list[Pupil]) -> list[Pupil]:
    """Those of `pupils` (who left) with an SEN record when they left: an SEN support or EHC plan
    status open on their last day on the roll, or an EHC plan in force on it. Two queries."""
    last_days = {pupil.id: last_day_on_roll(pupil) for pupil in pupils if pupil.left_on is not None}
    if not last_days:
        return []
    with_record: set[int] = set()
    for pupil_id, start, end in session.execute(
        sa.select(SenStatus.pupil_id, SenStatus.start_date, SenStatus.end_date).where(
            SenStatus.pupil_id.in_(last_days), SenStatus.provision != Provision.NONE
        )
    ):
        day = last_days[pupil_id]
        if start <= day and (end is None or end >= day):
            with_record.add(pupil_id)
    for pupil_id, issued_on, ceased_on in session.execute(
        sa.select(EhcPlan.pupil_id, EhcPlan.issued_on, EhcPlan.ceased_on).where(EhcPlan.pupil_id.in_(last_days))
    ):
        day = last_days[pupil_id]
        if issued_on <= day and (ceased_on is None or ceased_on > day):
            with_record.add(pupil_id)
    return [pupil for pupil in pupils if pupil.id in with_record]
