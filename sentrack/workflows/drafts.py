"""Drafts: what someone typed into a long form, kept until they save it (`sentrack.models.drafts`).

A draft is kept while the person types (the page sends it every few seconds) and when a form is
posted after their session ended by the idle timeout or its absolute end. It is offered back the
next time they open the form, deleted when the form is saved or the draft discarded, and never
kept longer than DRAFT_LIFETIME. The audit trail says that a draft was kept, restored or
discarded, and for which form: never what was typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import Draft, User

DRAFT_LIFETIME = timedelta(days=30)

# What a draft never keeps: the tokens of the page it came from (a restored form has its own).
NOT_TYPED = frozenset({"csrf_token", "submission_token"})
# Bounds on what one draft keeps, whatever is posted: more fields than any form has, and more
# text than any field takes (what is over a field's limit is kept, for the person to shorten).
MOST_FIELDS = 300
MOST_VALUES = 20
LONGEST_VALUE = 20_000
LONGEST_KEY = 200


@dataclass(frozen=True)
class Kept:
    """A draft as it stands: its id, when it was saved, and whether this save started it."""

    id: int
    saved_at: datetime
    started: bool


def form_key(endpoint: str, view_args: Mapping[str, object] | None) -> str:
    """The key of the form at `endpoint` with the ids in its address: `cycles.review:number=2,public_id=Ab12`.
    The address names pupils by their public id only, so the key holds no personal detail."""
    args = ",".join(f"{name}={value}" for name, value in sorted((view_args or {}).items()))
    return f"{endpoint}:{args}"[:LONGEST_KEY]


def typed_fields(posted, names: Iterable[str] | None = None) -> dict[str, list[str]]:
    """The typed values of a posted form (a MultiDict), by field name: only `names` when given,
    never the page's tokens, and within the bounds above."""
    wanted = None if names is None else set(names)
    fields: dict[str, list[str]] = {}
    for name in posted:
        if name in NOT_TYPED or (wanted is not None and name not in wanted) or len(name) > 100:
            continue
        values = [str(value)[:LONGEST_VALUE] for value in posted.getlist(name)[:MOST_VALUES]]
        fields[name] = values
        if len(fields) >= MOST_FIELDS:
            break
    return fields


def _live(moment: datetime):
    return Draft.saved_at >= moment - DRAFT_LIFETIME


def draft_for(session: Session, *, user_id: int, key: str, moment: datetime) -> Draft | None:
    """The user's draft of the form `key`, unless it is older than DRAFT_LIFETIME."""
    return session.scalar(sa.select(Draft).where(Draft.user_id == user_id, Draft.form_key == key, _live(moment)))


def keep_draft(
    session: Session,
    *,
    actor: User,
    key: str,
    fields: dict[str, list[str]],
    moment: datetime,
    pupil_id: int | None = None,
    school_id: int | None = None,
    at_sign_out: bool = False,
) -> Kept:
    """Keep `fields` as the actor's draft of the form `key`, replacing the one kept before. A draft
    started now is audited ('draft_saved', or 'draft_kept_at_sign_out' when the session had ended);
    the saves that follow it while the person types are not."""
    existing = session.execute(
        sa.select(Draft.id, Draft.saved_at).where(Draft.user_id == actor.id, Draft.form_key == key)
    ).first()
    started = existing is None or existing.saved_at < moment - DRAFT_LIFETIME
    session.execute(_upsert(session, actor.id, key, fields, moment))
    draft_id = session.scalar(sa.select(Draft.id).where(Draft.user_id == actor.id, Draft.form_key == key))
    if started or at_sign_out:
        action = "draft_kept_at_sign_out" if at_sign_out else "draft_saved"
        _audit(session, action, actor, draft_id, key, pupil_id, school_id)
    session.flush()
    return Kept(id=draft_id, saved_at=moment, started=started)


def _upsert(session: Session, user_id: int, key: str, fields: dict, moment: datetime):
    """One statement, so that two saves at once (two tabs) leave one draft rather than an error."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Draft).values(user_id=user_id, form_key=key, fields=fields, saved_at=moment)
    return statement.on_conflict_do_update(
        index_elements=[Draft.user_id, Draft.form_key], set_={"fields": fields, "saved_at": moment}
    )


def restored(
    session: Session, *, actor: User, draft: Draft, pupil_id: int | None = None, school_id: int | None = None
) -> None:
    """Note in the audit trail that the actor filled the form in again from their draft."""
    _audit(session, "draft_restored", actor, draft.id, draft.form_key, pupil_id, school_id)


def forget_draft(
    session: Session,
    *,
    actor: User,
    key: str,
    pupil_id: int | None = None,
    school_id: int | None = None,
    discarded: bool = False,
) -> bool:
    """Delete the actor's draft of the form `key` (saved, or `discarded` by them: audited);
    returns whether there was one."""
    draft_id = session.scalar(sa.select(Draft.id).where(Draft.user_id == actor.id, Draft.form_key == key))
    if draft_id is None:
        return False
    session.execute(sa.delete(Draft).where(Draft.id == draft_id))
    if discarded:
        _audit(session, "draft_discarded", actor, draft_id, key, pupil_id, school_id)
    return True


def purge_drafts(session: Session, moment: datetime) -> int:
    """Delete the drafts older than DRAFT_LIFETIME; returns how many. The caller commits."""
    result = session.execute(sa.delete(Draft).where(Draft.saved_at < moment - DRAFT_LIFETIME))
    return result.rowcount or 0


def _audit(
    session: Session, action: str, actor: User, draft_id: int, key: str, pupil_id: int | None, school_id: int | None
) -> None:
    # The form's endpoint only: the rest of the key is the address's ids, and nothing typed.
    endpoint = key.partition(":")[0]
    audit.record(
        session,
        action,
        actor=actor,
        pupil_id=pupil_id,
        school_id=school_id if school_id is not None else actor.school_id,
        object_type="draft",
        object_id=draft_id,
        details={"endpoint": endpoint},
    )
