"""The transfer pack: a leaver's SEN file for the next school, as one ZIP.

It holds the CTF, a readable record (`record.html`: one self-contained, printable page with the
pupil's details, SEN status history, support cycles with their plans, outcomes and reviews,
interventions with their impact, meetings with parents and EHC work) and the EHC documents
themselves as they were stored. Each kind of record is read once, whatever their number.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload, undefer

from sentrack import clock
from sentrack.models import (
    Contact,
    EhcDocument,
    EhcPlan,
    EhcRequest,
    ExportKind,
    Intervention,
    InterventionPupil,
    ParentMeeting,
    Pupil,
    SenStatus,
    SupportCycle,
    User,
)
from sentrack.workflows.ctf_export import Download, ctf_for, export_ctf
from sentrack.workflows.ctf_write import write_ctf
from sentrack.workflows.ehc_documents import safe_filename

RECORD_NAME = "record.html"
DOCUMENTS_FOLDER = "documents"
XML = "application/xml"
ZIP = "application/zip"


@dataclass(frozen=True)
class SenFile:
    """Everything the readable record shows, each kind loaded in one query."""

    pupil: Pupil
    contacts: list[Contact]
    statuses: list[SenStatus]
    cycles: list[SupportCycle]
    places: list[InterventionPupil]
    meetings: list[ParentMeeting]
    requests: list[EhcRequest]
    plans: list[EhcPlan]
    documents: list[EhcDocument]


def sen_file(session: Session, pupil: Pupil) -> SenFile:
    """The pupil's SEN records for the pack, oldest first, in a fixed number of queries."""

    def rows(statement) -> list:
        return list(session.scalars(statement).unique())

    of_pupil = pupil.id
    return SenFile(
        pupil=pupil,
        contacts=rows(sa.select(Contact).where(Contact.pupil_id == of_pupil).order_by(Contact.priority, Contact.id)),
        statuses=rows(
            sa.select(SenStatus).where(SenStatus.pupil_id == of_pupil).order_by(SenStatus.start_date, SenStatus.id)
        ),
        cycles=rows(
            sa.select(SupportCycle)
            .where(SupportCycle.pupil_id == of_pupil)
            .options(
                selectinload(SupportCycle.assessment),
                selectinload(SupportCycle.plan),
                selectinload(SupportCycle.outcomes),
                selectinload(SupportCycle.review),
            )
            .order_by(SupportCycle.number)
        ),
        places=rows(
            sa.select(InterventionPupil)
            .join(Intervention, Intervention.id == InterventionPupil.intervention_id)
            .where(InterventionPupil.pupil_id == of_pupil)
            .options(selectinload(InterventionPupil.intervention).selectinload(Intervention.type))
            .order_by(Intervention.starts_on, Intervention.id)
        ),
        meetings=rows(
            sa.select(ParentMeeting)
            .where(ParentMeeting.pupil_id == of_pupil, ParentMeeting.held_on.is_not(None))
            .order_by(ParentMeeting.held_on, ParentMeeting.id)
        ),
        requests=rows(
            sa.select(EhcRequest)
            .where(EhcRequest.pupil_id == of_pupil)
            .options(selectinload(EhcRequest.advice))
            .order_by(EhcRequest.received_on, EhcRequest.id)
        ),
        plans=rows(
            sa.select(EhcPlan)
            .where(EhcPlan.pupil_id == of_pupil)
            .options(selectinload(EhcPlan.outcomes), selectinload(EhcPlan.reviews))
            .order_by(EhcPlan.issued_on, EhcPlan.id)
        ),
        documents=rows(
            sa.select(EhcDocument)
            .where(EhcDocument.pupil_id == of_pupil)
            .options(undefer(EhcDocument.content))
            .order_by(EhcDocument.uploaded_at, EhcDocument.id)
        ),
    )


def document_path(document: EhcDocument) -> str:
    """Where a document sits in the pack: numbered, so that two files of one name both fit."""
    return f"{DOCUMENTS_FOLDER}/{document.id}-{safe_filename(document.filename)}"


def render_record(found: SenFile, *, ctf_name: str, made_on: date) -> str:
    """The readable record as one self-contained HTML page (its styles inline, no link out),
    rendered with the app's templates and filters but none of a page's context (no request)."""
    template = current_app.jinja_env.get_template("transfers/record.html")
    return template.render(file=found, ctf_name=ctf_name, made_on=made_on, document_path=document_path)


def pack_bytes(found: SenFile, *, ctf_name: str, ctf: bytes, made_on: date) -> bytes:
    """The ZIP: the CTF under its DfE name, `record.html` and each EHC document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(ctf_name, ctf)
        archive.writestr(RECORD_NAME, render_record(found, ctf_name=ctf_name, made_on=made_on))
        for document in found.documents:
            archive.writestr(document_path(document), document.content)
    return buffer.getvalue()


def pack_name(ctf_name: str) -> str:
    """The ZIP's name: the CTF's, as a transfer pack."""
    return ctf_name.removesuffix(".xml") + "_transfer_pack.zip"


def download(session: Session, *, actor: User, pupil: Pupil, kind: ExportKind, today: date | None = None) -> Download:
    """Export the pupil's CTF (`export_ctf`: numbered, audited, refused with the reason) and give
    the file to download: the CTF itself, or the transfer pack holding it."""
    today = today or clock.today()
    export = export_ctf(session, actor=actor, pupil=pupil, kind=kind, today=today)
    ctf = write_ctf(ctf_for(session, pupil, today=today))
    if kind is ExportKind.CTF:
        return Download(export, export.file_name, ctf, XML)
    content = pack_bytes(sen_file(session, pupil), ctf_name=export.file_name, ctf=ctf, made_on=today)
    return Download(export, pack_name(export.file_name), content, ZIP)
