"""Typed SQLAlchemy models, one module per aggregate. Importing this package maps them all."""

from sentrack.models.audit import AuditEvent
from sentrack.models.base import Base
from sentrack.models.compliance import ComplianceSnapshot
from sentrack.models.cycles import (
    Assessment,
    CycleState,
    Observation,
    Outcome,
    OutcomeRating,
    ParentLetter,
    Plan,
    RecordRevision,
    Review,
    ReviewDecision,
    SupportCycle,
    TimelineEvent,
)
from sentrack.models.duties import Duty, EmailStatus, Notification, Task, TaskStatus, TriggerKind
from sentrack.models.enums import (
    AreaOfNeed,
    ConcernStatus,
    ContactMethod,
    NeedType,
    Phase,
    Provision,
    Role,
)
from sentrack.models.interventions import (
    CostBasis,
    Delivery,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    SessionAttendance,
    Wave,
)
from sentrack.models.meetings import MeetingMode, ParentMeeting
from sentrack.models.organisation import (
    LocalAuthority,
    School,
    SchoolTerm,
    TeachingGroup,
    group_pupils,
    group_teachers,
)
from sentrack.models.people import RoleAssignment, User, UserSession
from sentrack.models.pupils import Concern, Contact, Pupil, SenStatus

__all__ = [
    "AreaOfNeed",
    "Assessment",
    "ComplianceSnapshot",
    "CycleState",
    "Observation",
    "Outcome",
    "OutcomeRating",
    "ParentLetter",
    "Plan",
    "RecordRevision",
    "Review",
    "ReviewDecision",
    "SupportCycle",
    "TimelineEvent",
    "AuditEvent",
    "Base",
    "Concern",
    "CostBasis",
    "Delivery",
    "Duty",
    "EmailStatus",
    "Notification",
    "Task",
    "TaskStatus",
    "TriggerKind",
    "Intervention",
    "InterventionPupil",
    "InterventionSession",
    "InterventionType",
    "SessionAttendance",
    "Wave",
    "ConcernStatus",
    "Contact",
    "ContactMethod",
    "LocalAuthority",
    "MeetingMode",
    "ParentMeeting",
    "NeedType",
    "Phase",
    "Provision",
    "Pupil",
    "Role",
    "RoleAssignment",
    "School",
    "SchoolTerm",
    "SenStatus",
    "TeachingGroup",
    "User",
    "UserSession",
    "group_pupils",
    "group_teachers",
]
