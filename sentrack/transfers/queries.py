"""Page queries of the transfer pages: a leaver's page (exports and the task to send the SEN file)
and the transfers between schools that the user's school decides or asked for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from sentrack import access
from sentrack.models import CtfExport, Duty, Pupil, PupilTransfer, Task, TransferStatus, User
from sentrack.workflows.ctf_export import destination_code, export_refusal
from sentrack.workflows.fulfilment import SEN_FILE_DUTY


@dataclass(frozen=True)
class LeaverPage:
    """What the leaver's page shows: the exports made, newest first; the task to send the SEN file
    (the latest, if any); and why an export would be refused today (None when it would not)."""

    exports: list[CtfExport]
    task: Task | None
    refusal: str | None
    destination: str | None


def leaver_page(session: Session, pupil: Pupil, today: date) -> LeaverPage:
    exports = list(
        session.scalars(
            sa.select(CtfExport)
            .where(CtfExport.pupil_id == pupil.id)
            .options(joinedload(CtfExport.exported_by))
            .order_by(CtfExport.exported_at.desc(), CtfExport.id.desc())
        )
    )
    task = session.scalar(
        sa.select(Task)
        .join(Duty, Duty.id == Task.duty_id)
        .where(Task.pupil_id == pupil.id, Duty.code == SEN_FILE_DUTY)
        .order_by(Task.due_on.desc(), Task.id.desc())
        .limit(1)
    )
    return LeaverPage(exports, task, export_refusal(pupil, today), destination_code(pupil))


@dataclass(frozen=True)
class TransfersPage:
    """Transfers awaiting the user's school as the previous school, and those it asked for."""

    awaiting: list[PupilTransfer]
    decided: list[PupilTransfer]
    asked: list[PupilTransfer]

    @property
    def named_pupils(self) -> list[Pupil]:
        """The pupils of the user's school the page names (the previous records)."""
        return [transfer.from_pupil for transfer in self.awaiting + self.decided]


DECIDED_SHOWN = 20  # the latest decisions listed under those awaiting


def transfers_page(session: Session, user: User) -> TransfersPage:
    def listed(*conditions, limit: int | None = None) -> list[PupilTransfer]:
        statement = (
            sa.select(PupilTransfer)
            .where(*conditions)
            .options(joinedload(PupilTransfer.from_pupil), joinedload(PupilTransfer.to_school))
            .order_by(PupilTransfer.requested_at.desc(), PupilTransfer.id.desc())
            .limit(limit)
        )
        return list(session.scalars(statement))

    mine = access.transfers_to_decide(user)
    return TransfersPage(
        awaiting=listed(mine, PupilTransfer.status == TransferStatus.AWAITING),
        decided=listed(mine, PupilTransfer.status != TransferStatus.AWAITING, limit=DECIDED_SHOWN),
        asked=listed(access.transfers_asked(user)),
    )
