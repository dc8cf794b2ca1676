"""Writing the audit trail. Every sign-in, change to pupil data, export and view of a pupil's
record goes through `record`. Details hold identifiers and field names, never personal detail."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from sentrack.models import AuditEvent, Pupil, User


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    pupil: Pupil | None = None,
    school_id: int | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (flushed with the change it records)."""
    if school_id is None:
        school_id = pupil.school_id if pupil is not None else (actor.school_id if actor else None)
    event = AuditEvent(
        action=action,
        user_id=actor.id if actor is not None else None,
        school_id=school_id,
        pupil_id=pupil.id if pupil is not None else None,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        remote_addr=request.remote_addr if has_request_context() else None,
        details=details,
    )
    session.add(event)
    return event
