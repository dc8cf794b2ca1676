"""What passes between SEN Track and the school's management information system (MIS) and other
schools: imports (a Common Transfer File or CSV) waiting for confirmation and applied; SEN history
from an import that differs from the school's own record; the SEN provision the last imported CTF
gave; CTF files exported; transfers of a pupil's record between schools of one SEN Track; and the
year-end rollovers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime, checks, unique_while
from sentrack.models.enums import NeedType, Provision, enum_type, vocabulary
from sentrack.models.organisation import School
from sentrack.models.people import User

if TYPE_CHECKING:
    from sentrack.models.pupils import Pupil

ImportKind = vocabulary(
    "ImportKind",
    """What an uploaded file holds.""",
    """
    ctf: Common Transfer File
    pupils_csv: Pupils (CSV)
    classes_csv: Classes and their teachers (CSV)
    """,
)

ImportStatus = vocabulary(
    "ImportStatus",
    """An import is previewed first; then it is applied, or set aside unapplied.""",
    """
    preview: Waiting for confirmation
    applied: Applied
    discarded: Not applied
    """,
)

DifferenceStatus = vocabulary(
    "DifferenceStatus",
    """What the SENCO made of an imported SEN history that differs from the school's record.""",
    """
    open: Waiting for the SENCO
    accepted: Taken from the file
    kept: School's record kept
    """,
)

TransferStatus = vocabulary(
    "TransferStatus",
    """A transfer of a pupil's record to another school: asked by the receiving school, confirmed
    (or declined) by the previous school's SENCO.""",
    """
    awaiting: Waiting for the previous school
    confirmed: Confirmed
    declined: Declined
    """,
)

ExportKind = vocabulary(
    "ExportKind",
    """What was downloaded for the next school.""",
    """
    ctf: Common Transfer File
    pack: Transfer pack
    """,
)


class ImportBatch(Base):
    """One uploaded file: its preview (one row per pupil or class, as `sentrack.workflows.imports`
    builds it) and what became of it. The file itself is not kept, only its SHA-256 digest."""

    __tablename__ = "import_batch"
    __table_args__ = (
        sa.Index("ix_import_batch_school_uploaded", "school_id", "uploaded_at"),
        *checks(decided_when_done="(status = 'preview') = (decided_at IS NULL)"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    kind: Mapped[ImportKind] = mapped_column(enum_type(ImportKind, "kind"))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    digest: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[ImportStatus] = mapped_column(enum_type(ImportStatus, "status"), default=ImportStatus.PREVIEW)
    # The file's header as read (source school, version, date), and the preview's rows and counts.
    header: Mapped[dict | None] = mapped_column(sa.JSON)
    rows: Mapped[list] = mapped_column(sa.JSON)
    counts: Mapped[dict] = mapped_column(sa.JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    def __repr__(self) -> str:
        return f"<ImportBatch {self.id}>"


class SenDifference(Base):
    """An imported SEN history for a pupil already known that differs from the school's open SEN
    status. It never overwrites the school's record: it waits for the SENCO to accept or keep.
    At most one is open per pupil; a newer import replaces an open one."""

    __tablename__ = "sen_difference"
    __table_args__ = (
        unique_while("uq_sen_difference_one_open_per_pupil", "pupil_id", "status = 'open'"),
        sa.Index("ix_sen_difference_status", "status"),
        *checks(decided_when_closed="(status = 'open') = (decided_at IS NULL)"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batch.id"), index=True)
    provision: Mapped[Provision] = mapped_column(enum_type(Provision, "provision"))
    primary_need: Mapped[NeedType | None] = mapped_column(enum_type(NeedType, "primary_need"))
    secondary_need: Mapped[NeedType | None] = mapped_column(enum_type(NeedType, "secondary_need"))
    start_date: Mapped[date | None]
    status: Mapped[DifferenceStatus] = mapped_column(
        enum_type(DifferenceStatus, "status"), default=DifferenceStatus.OPEN
    )
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pupil: Mapped[Pupil] = relationship()
    batch: Mapped[ImportBatch] = relationship()
    decided_by: Mapped[User | None] = relationship()


class MisSen(Base):
    """The SEN provision and ranked needs the last imported CTF gave for a pupil: what the January
    census will take from the MIS, set beside SEN Track's own record by the census check."""

    __tablename__ = "mis_sen"

    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="CASCADE"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batch.id"), index=True)
    provision: Mapped[Provision | None] = mapped_column(enum_type(Provision, "provision"))
    # The needs as the file ranked them: [{"rank": 1, "type": "SLCN"}, ...], codes as written.
    needs: Mapped[list] = mapped_column(sa.JSON, default=list)
    start_date: Mapped[date | None]
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())


class CtfExport(Base):
    """A Common Transfer File (alone or in a transfer pack) downloaded for a pupil who left. The
    sequence counts files from this school to one destination school: 001, 002, ..."""

    __tablename__ = "ctf_export"
    __table_args__ = (
        sa.UniqueConstraint("school_id", "destination", "sequence"),
        sa.Index("ix_ctf_export_pupil", "pupil_id", "exported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"))
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)
    # The destination's LA and establishment numbers as one 7-character code, as file names write it.
    destination: Mapped[str] = mapped_column(sa.String(7))
    sequence: Mapped[int]
    kind: Mapped[ExportKind] = mapped_column(enum_type(ExportKind, "kind"))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    exported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    pupil: Mapped[Pupil] = relationship()
    exported_by: Mapped[User | None] = relationship()


class PupilTransfer(Base):
    """A pupil arriving at a school whose import found their UPN on another school's record in
    this SEN Track. The previous school's SENCO confirms; the receiving school then gets a new
    record linked to the old one, with the SEN history copied. `details` holds the arriving
    pupil's details as imported, to make the new record from."""

    __tablename__ = "pupil_transfer"
    __table_args__ = (
        unique_while("uq_pupil_transfer_one_awaiting_per_pupil", "from_pupil_id", "status = 'awaiting'"),
        sa.Index("ix_pupil_transfer_to_school_status", "to_school_id", "status"),
        *checks(
            decided_when_closed="(status = 'awaiting') = (decided_at IS NULL)",
            new_record_when_confirmed="(status = 'confirmed') = (to_pupil_id IS NOT NULL)",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_pupil_id: Mapped[int] = mapped_column(sa.ForeignKey("pupil.id", ondelete="RESTRICT"), index=True)
    to_school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    to_pupil_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pupil.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id"), index=True)
    details: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[TransferStatus] = mapped_column(enum_type(TransferStatus, "status"), default=TransferStatus.AWAITING)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)

    from_pupil: Mapped[Pupil] = relationship(foreign_keys=[from_pupil_id])
    to_pupil: Mapped[Pupil | None] = relationship(foreign_keys=[to_pupil_id])
    to_school: Mapped[School] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class YearEnd(Base):
    """A year-end rollover: every pupil moved up a year, the year's classes ended and next year's
    opened. One per school and academic year (the calendar year the ended year began)."""

    __tablename__ = "year_end"
    __table_args__ = (sa.UniqueConstraint("school_id", "academic_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"))
    academic_year: Mapped[int]
    # What the rollover did, in counts: pupils moved up, finishing, classes ended and opened.
    summary: Mapped[dict] = mapped_column(sa.JSON)
    run_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    run_by: Mapped[User | None] = relationship()
