"""Writing and reading the audit trail. Every sign-in, change to pupil data, export and view of a pupil's
record goes through `record`. Details hold identifiers and field names, never personal detail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context, request
from flask_login import current_user
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, selectinload

from sentrack.clock import now
from sentrack.models import AuditEvent, Pupil, User

# Who acts when no user does (a command run on a schedule), as the audit trail names them.
_acting_as: ContextVar[str | None] = ContextVar("acting_as", default=None)


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """Within the block, events recorded with no actor name `name` as who did it (a scheduled
    import, say), rather than no one."""
    token = _acting_as.set(name)
    try:
        yield
    finally:
        _acting_as.reset(token)


def _actor_name(actor: User | None) -> str | None:
    return actor.full_name if actor is not None else _acting_as.get()


def event_values(
    action: str,
    *,
    actor: User | None,
    school_id: int | None,
    pupil_id: int | None,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one audit event but its moment: what `record` stores, and what the demo
    writes in bulk with its own moments. The actor's name is the one they have now (a later rename
    rewrites no history); the address is the request's, when there is one."""
    return {
        "action": action,
        "user_id": actor.id if actor is not None else None,
        "actor_name": _actor_name(actor),
        "school_id": school_id,
        "pupil_id": pupil_id,
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None,
        "remote_addr": request.remote_addr if has_request_context() else None,
        "details": details,
    }


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    pupil: Pupil | None = None,
    pupil_id: int | None = None,
    school_id: int | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict[str, Any] | None = None,
    about: Any = None,
) -> AuditEvent:
    """Add an audit event to the session (flushed with the change it records). A caller that holds
    only the pupil's id (and gives the school) passes `pupil_id` instead of loading the pupil. The
    record the event is about: `object_type` and `object_id`, or `about`, the record itself (its
    table's name and its id)."""
    if about is not None:
        object_type, object_id = about.__tablename__, about.id
    if school_id is None:
        school_id = pupil.school_id if pupil is not None else (actor.school_id if actor else None)
    pupil_id = pupil.id if pupil is not None else pupil_id
    event = AuditEvent(
        **event_values(
            action,
            actor=actor,
            school_id=school_id,
            pupil_id=pupil_id,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )
    )
    session.add(event)
    _note_audited({pupil_id})
    return event


def shown(session: Session, page, action: str, **event: Any):
    """Record that the user was shown `page` (a rendered page or a download); return `page`. The
    request commits the row once, after the view (`operations.finish_request`)."""
    record(session, action, **event)
    return page


def shown_school(session: Session, page, action: str, *, actor, school_id: int, details: dict | None = None):
    """`page` (a dashboard, a map, a download of them), about the school as a whole: audited
    against the school, with what it was filtered by in `details`; return `page`."""
    return shown(session, page, action, actor=actor, object_type="school", object_id=school_id, details=details)


def shown_authority(session: Session, page, action: str, *, actor, details: dict | None = None):
    """`page` about the whole of the officer's local authority (its schools side by side, its EHC
    caseload): audited against the authority, with what it was filtered by in `details`; return `page`."""
    return shown(
        session,
        page,
        action,
        actor=actor,
        object_type="local_authority",
        object_id=actor.local_authority_id,
        details=details,
    )


_EACH_ROW = ("school_id", "pupil_id", "object_id")


def record_for_pupils(
    session: Session,
    action: str,
    *,
    actor: User | None,
    pupils: list[Pupil] | None = None,
    object_type: str = "pupil",
    object_id: Any = None,
    pupil_schools: dict[int, int | None] | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """`record` for each of `pupils` (the object being the pupil, or `object_id` when given), in
    one INSERT statement whatever their number. A caller holding only ids gives `pupil_schools`
    (pupil id: school id)."""
    found = dict(pupil_schools or {})
    found.update({pupil.id: pupil.school_id for pupil in pupils or ()})
    if not found:
        return
    # Each row's school, pupil and object are its own (below); the rest is the one event's.
    shared = event_values(action, actor=actor, school_id=None, pupil_id=None, object_type=object_type, details=details)
    event = {"occurred_at": now(), **{key: value for key, value in shared.items() if key not in _EACH_ROW}}
    pairs = sorted(found.items())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_insert_for_pupils(event, pairs, object_id))
    else:
        session.execute(
            sa.insert(AuditEvent),
            [
                event
                | {
                    "school_id": school_id,
                    "pupil_id": pupil_id,
                    "object_id": str(pupil_id if object_id is None else object_id),
                }
                for pupil_id, school_id in pairs
            ],
        )
    _note_audited(set(found))


def _insert_for_pupils(event: dict[str, Any], pairs: list[tuple[int, int | None]], object_id: Any) -> sa.Insert:
    """On PostgreSQL, one INSERT of a row per (pupil id, school id) of `pairs`, the pupils' ids and
    schools sent as two arrays (`unnest`): the same statement and three parameters however many
    pupils a page names, where an executemany sends and runs a statement for each of them. The
    other columns are `event`'s, the same for every row; the object is the pupil unless
    `object_id` is given."""
    table = AuditEvent.__table__
    named = (
        sa.func.unnest(
            sa.bindparam("audit_pupil_ids", [pupil_id for pupil_id, _ in pairs], type_=postgresql.ARRAY(sa.Integer)),
            sa.bindparam("audit_school_ids", [school_id for _, school_id in pairs], type_=postgresql.ARRAY(sa.Integer)),
        )
        .table_valued("pupil_id", "school_id")
        .render_derived()
    )
    object_text = sa.cast(named.c.pupil_id, sa.String) if object_id is None else sa.literal(str(object_id), sa.String)
    columns = {
        **{key: sa.literal(value, table.c[key].type) for key, value in event.items()},
        "school_id": named.c.school_id,
        "pupil_id": named.c.pupil_id,
        "object_id": object_text,
    }
    return sa.insert(AuditEvent).from_select(list(columns), sa.select(*columns.values()).select_from(named))


def record_each(session: Session, action: str, events: list[dict[str, Any]]) -> None:
    """Events with no actor (the daily sweep's): each a dict of school_id, pupil_id, object_type,
    object_id and details, in one INSERT statement whatever their number."""
    if not events:
        return
    session.execute(
        sa.insert(AuditEvent),
        [
            {
                "occurred_at": now(),
                "action": action,
                "user_id": None,
                "actor_name": None,
                "remote_addr": None,
                "school_id": e.get("school_id"),
                "pupil_id": e.get("pupil_id"),
                "object_type": e.get("object_type"),
                "object_id": None if e.get("object_id") is None else str(e["object_id"]),
                "details": e.get("details"),
            }
            for e in events
        ],
    )


# --- What a request showed and was refused --------------------------------------------------------
# The loaders of `sentrack.access` note each pupil a request loads; `record` and `record_for_pupils`
# note each pupil they audit. After the request, one hook audits what the view did not: a page
# that showed a pupil, and any refusal on a route under a pupil or another record.

# The blueprints whose every route is about pupils or their records.
RECORD_BLUEPRINTS = frozenset({"pupils", "cycles", "meetings", "interventions", "duties"})


def _note_audited(pupil_ids: set[int | None]) -> None:
    if has_request_context():
        g.setdefault("audited_pupils", set()).update(pid for pid in pupil_ids if pid is not None)


def note_loaded(pupil: Pupil | None = None, *, pupil_id: int | None = None, school_id: int | None = None) -> None:
    """Note that this request loaded `pupil` (or the pupil with `pupil_id`, of `school_id`) to
    show or change it."""
    if pupil is not None:
        pupil_id, school_id = pupil.id, pupil.school_id
    if pupil_id is not None and has_request_context():
        g.setdefault("loaded_pupils", {})[pupil_id] = school_id


def _signed_in() -> User | None:
    user = current_user._get_current_object() if current_user else None
    return user if user is not None and user.is_authenticated else None


def _is_record_route() -> bool:
    return request.endpoint != "static" and (bool(request.view_args) or request.blueprint in RECORD_BLUEPRINTS)


def _ehc_record_pupil(session: Session, args: dict) -> tuple[int, int] | None:
    """The pupil (and their school) of the EHC record an EHC route names by its number."""
    from sentrack.models import EhcDocument, EhcPlan, EhcRequest, EhcReview

    query = sa.select(Pupil.id, Pupil.school_id)
    for name, model in (("plan_id", EhcPlan), ("request_id", EhcRequest), ("document_id", EhcDocument)):
        if isinstance(args.get(name), int):
            return session.execute(query.join(model, model.pupil_id == Pupil.id).where(model.id == args[name])).first()
    if isinstance(args.get("review_id"), int):
        return session.execute(
            query.join(EhcPlan, EhcPlan.pupil_id == Pupil.id)
            .join(EhcReview, EhcReview.plan_id == EhcPlan.id)
            .where(EhcReview.id == args["review_id"])
        ).first()
    return None


def _audit_refusal(session: Session, response: Response) -> None:
    """A refused request (403 or 404) on a route under a pupil or record: who, which route and the
    answer; the pupil's id only when the pupil exists (the user lacked the reach to them). Nothing
    the refused request may have begun is kept."""
    session.rollback()
    args = dict(request.view_args or {})
    public_id = args.pop("public_id", None)
    pupil_id = school_id = None
    if isinstance(public_id, str):
        row = session.execute(sa.select(Pupil.id, Pupil.school_id).where(Pupil.public_id == public_id)).first()
        if row is not None:
            pupil_id, school_id = row
    if pupil_id is None and request.blueprint == "ehc":
        pupil_id, school_id = _ehc_record_pupil(session, args) or (None, None)
    user = _signed_in()
    if school_id is None and user is not None:
        school_id = user.school_id
    # The record asked for, by its number only: any other part of the address (a link's secret
    # token, whatever was typed into it) is never written down.
    object_type, object_id = next(
        ((name, value) for name, value in args.items() if isinstance(value, int)), (None, None)
    )
    record(
        session,
        "access_refused",
        actor=user,
        pupil_id=pupil_id,
        school_id=school_id,
        object_type=object_type,
        object_id=object_id,
        details={"endpoint": request.endpoint, "method": request.method, "status": response.status_code},
    )


def _audit_pages_shown(session: Session) -> None:
    """The pupils a successful GET loaded and the view did not audit itself: one INSERT."""
    loaded = g.get("loaded_pupils") or {}
    audited = g.get("audited_pupils") or set()
    unaudited = {pid: school_id for pid, school_id in loaded.items() if pid not in audited}
    if not unaudited:
        return
    record_for_pupils(
        session, "page_viewed", actor=_signed_in(), pupil_schools=unaudited, details={"endpoint": request.endpoint}
    )


def init_app(app: Flask, session_of) -> None:
    """Audit refusals and pages shown after each request; `session_of()` is the app's session.
    The rows are committed with the rest of the request by `operations.finish_request`."""

    @app.after_request
    def audit_request(response: Response) -> Response:
        if request.url_rule is None:
            return response
        if response.status_code in (403, 404) and _is_record_route():
            _audit_refusal(session_of(), response)
        elif request.method == "GET" and response.status_code == 200 and g.get("loaded_pupils"):
            _audit_pages_shown(session_of())
        return response


# --- Reading the trail ------------------------------------------------------------------------------
# What each action means, in words a SENCO or head teacher reads on a pupil's audit page. An
# action missing here is shown by its name, so a new one is never hidden.

DESCRIPTIONS: dict[str, str] = {
    "school_moved": "Moved the school to another local authority",
    "pupil_added": "Added the pupil to the roll",
    "pupil_updated": "Changed the pupil's details",
    "pupil_viewed": "Viewed the pupil's record",
    "task_moved_by_sweep": "A task about the pupil was moved to someone who can do it",
    "named_in_pupil_list": "Saw the pupil named in the list of pupils",
    "named_in_notifications": "Saw the pupil named in a task on their notifications page",
    "named_in_leavers_list": "Saw the pupil named in the list of pupils who have left",
    "named_in_intervention_list": "Saw the pupil named in the list of interventions",
    "named_on_home_page": "Saw the pupil named on the home page",
    "pupil_left": "Recorded that the pupil left the school",
    "year_group_moved_up": "Moved the pupil up a year group at the year end",
    "year_end_run": "Ran the year end: pupils moved up a year, classes ended and next year's opened",
    "year_end_viewed": "Viewed the preview of the year end",
    "named_in_year_end": "Saw the pupil named among those finishing in the preview of the year end",
    "class_pupil_added": "Added the pupil to a class",
    "class_pupil_removed": "Took the pupil out of a class",
    "named_in_class_pupils": "Saw the pupil named on the page of a class's pupils",
    "leaving_undone": "Undid a leaving recorded by mistake",
    "destination_recorded": "Recorded the school a pupil who left moved to",
    # Retention and destruction of a leaver's records
    "destruction_page_viewed": "Viewed the pupil's retention, and what destroying the records would remove",
    "named_in_retention_list": "Saw the pupil named in the list of records due for destruction",
    "legal_hold_placed": "Placed a legal hold on the pupil's records",
    "legal_hold_lifted": "Lifted the legal hold on the pupil's records",
    "records_destroyed": "Destroyed a leaver's records past their retention date (the destruction log names no child)",
    "retention_viewed": "Viewed the records due for destruction",
    "destruction_log_viewed": "Viewed the destruction log",
    "contact_added": "Added a parent or carer contact",
    "contact_updated": "Changed a parent or carer contact",
    "sen_status_changed": "Changed the SEN status",
    "ehc_plan_added": "Recorded an EHC plan",
    "ehc_plan_updated": "Changed the EHC plan (named setting, needs or outcomes)",
    "ehc_plan_ceased": "Recorded that the EHC plan ceased",
    "ehc_plan_viewed": "Viewed the EHC plan",
    "ehc_document_added": "Added a document to the pupil's EHC work",
    "ehc_document_downloaded": "Downloaded a document of the pupil's EHC work",
    "concern_raised": "Raised a concern",
    "concern_decided": "Decided on a concern",
    "cycle_opened": "Opened a support cycle",
    "cycle_moved": "Moved the support cycle on",
    "cycle_viewed": "Viewed a support cycle",
    "assessment_saved": "Saved the assessment",
    "plan_saved": "Saved the SEN support plan",
    "plan_printed": "Printed the SEN support plan",
    "outcome_saved": "Saved an outcome of the plan",
    "outcome_removed": "Removed an outcome from the plan",
    "outcome_wording_saved": "Saved a wording in the school's bank of outcomes",
    "observation_added": "Recorded an observation",
    "review_saved": "Saved the review",
    "letter_sent": "Marked the letter to parents as sent",
    "letter_printed": "Opened the letter to parents for printing",
    "letter_downloaded": "Downloaded the letter to parents as a PDF",
    "letter_template_saved": "Saved the school's wording of a letter to parents",
    "timeline_viewed": "Viewed the timeline",
    "parent_meeting_planned": "Planned a meeting with parents",
    "parent_meeting_recorded": "Recorded a meeting with parents",
    "parent_meeting_linked": "Linked a meeting with parents to the review or plan agreed at it",
    "parent_meeting_unlinked": "Unlinked a meeting with parents from a plan no longer agreed at it",
    "parent_meeting_shared": "Marked the record of a meeting with parents as shared with them",
    "parent_meeting_viewed": "Viewed the record of a meeting with parents",
    "parent_meeting_corrected": "Corrected the record of a meeting with parents",
    "parent_meeting_printed": "Opened the record of a meeting with parents for printing",
    "intervention_started": "Added the pupil to an intervention",
    "intervention_place_added": "Added the pupil to an intervention",
    "intervention_place_removed": "Took the pupil out of an intervention",
    "intervention_place_changed": "Changed the pupil's place in an intervention",
    "intervention_place_ended": "Ended an intervention the pupil was in",
    "attendance_recorded": "Recorded the pupil's attendance at an intervention session",
    "attendance_corrected": "Corrected the pupil's attendance at an intervention session",
    "session_not_held": "Recorded that an intervention session did not take place",
    "register_corrected": "Corrected the register of an intervention session",
    "impact_recorded": "Recorded the impact of an intervention",
    "intervention_viewed": "Viewed an intervention with the pupil in it",
    "intervention_form_viewed": "Opened the change form of an intervention with the pupil in it",
    "register_viewed": "Opened the register of an intervention with the pupil on it",
    "impact_viewed": "Opened the impact page of an intervention with the pupil in it",
    "passport_viewed": "Viewed the pupil's passport",
    "passport_read": "Said they have read the pupil's passport",
    "audit_viewed": "Viewed this audit trail",
    "page_viewed": "Viewed a page of the pupil's record",
    "access_refused": "Was refused access to the pupil's record",
    "named_in_dashboard_list": "Viewed a list of pupils behind a dashboard figure",
    "named_in_dashboard_export": "Downloaded a list of pupils behind a dashboard figure",
    "named_in_ehc_caseload": "Saw the pupil named in the local authority's EHC caseload",
    "named_in_sen2_export": "Downloaded the SEN2 return with the pupil in it",
    "named_in_provision_map": "Viewed the provision map with the pupil on it",
    "named_in_provision_map_print": "Printed the provision map with the pupil on it",
    "named_in_provision_map_export": "Downloaded the provision map with the pupil on it",
    "named_in_census_check": "Viewed the school census check with the pupil on it",
    "named_in_census_export": "Downloaded the school census check with the pupil on it",
    # --- EHC reviews ---
    "ehc_review_convened": "Convened a review of the EHC plan",
    "ehc_review_held": "Recorded the EHC plan's review meeting",
    "ehc_review_reported": "Recorded the EHC review report as sent",
    "ehc_review_decided": "Recorded the local authority's decision after an EHC review",
    "ehc_amendments_proposed": "Recorded the proposed amendments to the EHC plan",
    "ehc_amended_plan_issued": "Recorded the amended EHC plan as issued",
    # EHC needs assessment requests
    "ehc_request_recorded": "Recorded a request for an EHC needs assessment",
    "ehc_request_opened": "Opened a request for an EHC needs assessment from a review",
    "ehc_request_evidence": "Added a review as evidence to the request for an EHC needs assessment",
    "ehc_request_viewed": "Viewed the request for an EHC needs assessment",
    "ehc_assessment_decided": "Recorded the decision whether to carry out an EHC needs assessment",
    "ehc_advice_asked": "Recorded advice asked for the EHC needs assessment",
    "ehc_advice_received": "Recorded advice received for the EHC needs assessment",
    "ehc_exception_recorded": "Recorded an exception to the EHC time limits",
    "ehc_plan_decided": "Recorded the decision whether to issue an EHC plan",
    "ehc_draft_sent": "Recorded the draft EHC plan sent",
    "ehc_final_issued": "Recorded the final EHC plan issued",
    "ehc_request_withdrawn": "Recorded that the request for an EHC needs assessment was withdrawn",
    # Imports from the school's MIS
    "import_previewed": "Uploaded a file from the MIS and previewed its import",
    "import_applied": "Confirmed the import of a file from the MIS",
    "import_discarded": "Set aside the import of a file from the MIS, unapplied",
    "imports_viewed": "Viewed the list of imports from the MIS",
    "import_preview_viewed": "Viewed the preview of an import from the MIS",
    "sen_history_imported": "Stored the SEN history given by a Common Transfer File",
    "sen_difference_found": "Set aside an imported SEN history that differs from the school's record",
    "sen_difference_accepted": "Took the pupil's SEN status from an imported Common Transfer File",
    "sen_difference_kept": "Kept the school's SEN record against an imported Common Transfer File",
    "named_in_import_preview": "Saw the pupil named in the preview of an import from the MIS",
    "named_in_sen_differences": "Saw the pupil named in the imported SEN histories that differ",
    "sen_differences_viewed": "Viewed the imported SEN histories that differ from the school's records",
    # The SEN file for the next school, and transfers between schools of this SEN Track
    "ctf_exported": "Downloaded the pupil's Common Transfer File for the next school",
    "transfer_pack_exported": "Downloaded the pupil's transfer pack (CTF, record, EHC documents) for the next school",
    "transfer_page_viewed": "Viewed the page to send the SEN file to the next school",
    "named_in_transfers_list": "Saw the pupil named in the list of transfers to confirm",
    "transfers_viewed": "Viewed the transfers between schools",
    "transfer_started": "Another school asked for the pupil's record (a transfer)",
    "transfer_confirmed": "Confirmed the pupil's transfer to another school: the SEN history was copied",
    "transfer_declined": "Declined the pupil's transfer to another school",
    # Requests for the pupil's data (subject access, or a parent's request to see the educational record)
    "subject_access_recorded": "Recorded a request for the pupil's data",
    "subject_access_viewed": "Viewed a request for the pupil's data",
    "named_in_subject_access_list": "Saw the pupil named in the list of requests for pupils' data",
    "subject_access_list_viewed": "Viewed the requests for pupils' data",
    "subject_access_extended": "Extended a request for the pupil's data by two months",
    "subject_access_answered": "Recorded a request for the pupil's data as answered",
    "subject_access_withdrawn": "Recorded a request for the pupil's data as withdrawn",
    "subject_access_withheld": "Withheld one of the pupil's records from the export of a request for their data",
    "subject_access_released": "Included again a record withheld from the export of a request for the pupil's data",
    "subject_access_exported": "Downloaded the export of everything held about the pupil, for a request for their data",
    # Drafts of long forms (never what was typed: which form only)
    "draft_saved": "Typed into a form, kept as a draft while typing",
    "draft_kept_at_sign_out": "Was signed out before saving a form: what was typed was kept as a draft",
    "draft_restored": "Filled a form in again from their draft",
    "draft_discarded": "Discarded their draft of a form",
}

# The pages of a pupil's record, by endpoint, for "page_viewed" and "access_refused". An endpoint
# missing here is shown by its name.
PAGES: dict[str, str] = {
    "pupils.show": "the pupil's record",
    "ehc.plan": "the EHC plan",
    "ehc.new_plan": "the form to record an EHC plan",
    "ehc.edit_plan": "the form to change the EHC plan",
    "ehc.cease_plan": "the form to cease the EHC plan",
    "ehc.new_document": "the form to add an EHC document",
    "ehc.document": "an EHC document",
    "pupils.edit": "the form to change the pupil's details",
    "pupils.sen_status": "the SEN status",
    "pupils.audit_trail": "the audit trail",
    "cycles.show": "a support cycle",
    "cycles.plan": "the plan",
    "cycles.review": "the review",
    "cycles.assessment": "the assessment",
    "cycles.timeline": "the timeline",
    "cycles.letter": "a letter to parents",
    "cycles.letter_download": "a letter to parents as a PDF",
    "interventions.show": "an intervention",
    "interventions.impact": "the impact of an intervention",
    "interventions.record_session": "an intervention's register",
    "pupils.contact": "a parent or carer contact",
    "pupils.raise_concern_view": "the form to raise a concern",
    "pupils.leaving": "the form to record a leaving",
    "cycles.outcome_new": "the form to add an outcome",
    "cycles.outcome_edit": "an outcome of the plan",
    "cycles.start": "the form to start the plan",
    "cycles.observation": "the form to record an observation",
    "cycles.plan_print": "the plan for printing",
    "cycles.decide_concern": "the decision on a concern",
    "meetings.record": "the form to record a meeting with parents",
    "meetings.record_planned": "a planned meeting with parents",
    "meetings.plan": "the form to plan a meeting with parents",
    "meetings.shared": "a meeting with parents shared with them",
    "meetings.show": "the record of a meeting with parents",
    "meetings.correct": "the form to correct the record of a meeting with parents",
    "meetings.print_record": "the record of a meeting with parents for printing",
    "duties.task": "a task about the pupil",
    "duties.reassign": "the form to reassign a task about the pupil",
    "interventions.edit": "the form to change an intervention",
    # --- EHC reviews ---
    "ehc.new_review": "the form to convene a review of the EHC plan",
    "ehc.review": "a review of the EHC plan",
    "ehc.review_meeting": "the form to record an EHC review meeting",
    "ehc.review_report": "the form to record the EHC review report as sent",
    "ehc.review_decision": "the form to record the decision after an EHC review",
    "ehc.review_amendments": "the form to record amendments to the EHC plan",
    # EHC needs assessment requests
    "ehc.new_request": "the form to record a request for an EHC needs assessment",
    "ehc.request": "the request for an EHC needs assessment",
    "ehc.decide_assessment": "the decision whether to assess",
    "ehc.ask_advice": "the form to record advice asked",
    "ehc.advice_received": "the form to record advice received",
    "ehc.new_exception": "the form to record an exception to the EHC time limits",
    "ehc.decide_plan": "the decision whether to issue an EHC plan",
    "ehc.send_draft": "the form to record the draft EHC plan sent",
    "ehc.issue_final": "the form to record the final EHC plan",
    "ehc.withdraw_request": "the form to record a request withdrawn",
    "transfers.leaver": "the page to send the SEN file to the next school",
    "access_requests.new": "the form to record a request for the pupil's data",
}


DRAFT_ACTIONS = ("draft_saved", "draft_kept_at_sign_out", "draft_restored", "draft_discarded")


def describe(event: AuditEvent) -> str:
    """A readable sentence for an audit event: the action, and which fields or states it touched."""
    text = DESCRIPTIONS.get(event.action, event.action.replace("_", " ").capitalize())
    details = event.details or {}
    fields = details.get("fields")
    if fields:
        text += ": " + ", ".join(str(name).replace("_", " ") for name in fields)
    if event.action == "cycle_moved" and details.get("from") and details.get("to"):
        text += f" from {details['from']} to {details['to']}"
    if event.action in ("page_viewed", "access_refused", *DRAFT_ACTIONS) and details.get("endpoint"):
        endpoint = str(details["endpoint"])
        text += ": " + PAGES.get(endpoint, endpoint.split(".")[-1].replace("_", " "))
    if event.action == "attendance_recorded" and "attended" in details:
        text += " (present)" if details["attended"] else " (absent)"
    return text


def pupil_trail(session: Session, pupil: Pupil, *, page: int, per_page: int) -> tuple[list[AuditEvent], int]:
    """One page of the audit events about `pupil`, newest first, with the total count."""
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.pupil_id == pupil.id))
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.pupil_id == pupil.id)
        .options(selectinload(AuditEvent.user).selectinload(User.role_assignments))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(events), total or 0
