"""The fixed vocabularies of the Code of Practice and the school census, as enums."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class Labelled(enum.StrEnum):
    """A StrEnum whose members carry their label: `NAME = "value", "Label"`; a member given no
    label is labelled by its value with a capital letter."""

    def __new__(cls, value: str, label: str | None = None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = value.capitalize() if label is None else label
        return member

    @property
    def label(self) -> str:
        return self._label


def vocabulary(name: str, doc: str, table: str) -> type[Labelled]:
    """A `Labelled` enum from a table of lines `value: Label`; each member is named by its value in
    capitals (`vocabulary("Kind", "...", "plan: The plan")` gives `Kind.PLAN`, labelled "The plan")."""
    rows = [line.split(":", 1) for line in table.strip().splitlines()]
    members = [(value.strip().upper(), (value.strip(), label.strip())) for value, label in rows]
    vocabulary = Labelled(name, members, module=__name__)
    vocabulary.__doc__ = doc
    return vocabulary


class Role(Labelled):
    SENCO = "senco", "SENCO"
    HEAD = "head", "Head teacher"
    TEACHER = "teacher", "Class teacher"
    SUPPORT_ASSISTANT = "support_assistant", "Support assistant"
    GOVERNOR = "governor"
    LA_OFFICER = "la_officer", "Local authority officer"
    ADMIN = "admin", "School administrator"

    @property
    def is_school_role(self) -> bool:
        return self is not Role.LA_OFFICER


class Phase(Labelled):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    ALL_THROUGH = "all_through", "All-through"
    SPECIAL = "special"


class GroupKind(Labelled):
    """What a class is to its pupils: their registration class (a form or tutor group, one each)
    or a teaching group (a set, a subject class: as many as the timetable gives them)."""

    REGISTRATION = "registration", "Registration class (form or tutor group)"
    TEACHING = "teaching", "Teaching group or set"


class Season(Labelled):
    """The three terms of every school year, in their order."""

    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"

    @property
    def order(self) -> int:
        return list(Season).index(self)


class Provision(Labelled):
    """Census SEN provision: no SEN, SEN support, or an EHC plan."""

    NONE = "N", "No SEN"
    SEN_SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "EHC plan"

    @property
    def on_register(self) -> bool:
        return self is not Provision.NONE


class AreaOfNeed(Labelled):
    """The four broad areas of need of the Code of Practice (6.28 to 6.35)."""

    COMMUNICATION = "communication", "Communication and interaction"
    COGNITION = "cognition", "Cognition and learning"
    SEMH = "semh", "Social, emotional and mental health"
    SENSORY_PHYSICAL = "sensory_physical", "Sensory and/or physical"


class NeedType(Labelled):
    """Census need types; NSA only goes with SEN support."""

    SPLD = "SPLD", "Specific learning difficulty"
    MLD = "MLD", "Moderate learning difficulty"
    SLD = "SLD", "Severe learning difficulty"
    PMLD = "PMLD", "Profound and multiple learning difficulty"
    SEMH = "SEMH", "Social, emotional and mental health"
    SLCN = "SLCN", "Speech, language and communication needs"
    HI = "HI", "Hearing impairment"
    VI = "VI", "Vision impairment"
    MSI = "MSI", "Multi-sensory impairment"
    PD = "PD", "Physical disability"
    ASD = "ASD", "Autistic spectrum disorder"
    OTH = "OTH", "Other difficulty or disability"
    NSA = "NSA", "SEN support but no specialist assessment of type of need"

    @property
    def area(self) -> AreaOfNeed | None:
        return NEED_TYPE_AREAS.get(self)


NEED_TYPE_AREAS = {
    NeedType.SPLD: AreaOfNeed.COGNITION,
    NeedType.MLD: AreaOfNeed.COGNITION,
    NeedType.SLD: AreaOfNeed.COGNITION,
    NeedType.PMLD: AreaOfNeed.COGNITION,
    NeedType.SEMH: AreaOfNeed.SEMH,
    NeedType.SLCN: AreaOfNeed.COMMUNICATION,
    NeedType.ASD: AreaOfNeed.COMMUNICATION,
    NeedType.HI: AreaOfNeed.SENSORY_PHYSICAL,
    NeedType.VI: AreaOfNeed.SENSORY_PHYSICAL,
    NeedType.MSI: AreaOfNeed.SENSORY_PHYSICAL,
    NeedType.PD: AreaOfNeed.SENSORY_PHYSICAL,
}


class ConcernStatus(Labelled):
    OPEN = "open"
    ASSESSED = "assessed", "Assessment opened"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class ContactMethod(Labelled):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"


class ContactRestriction(Labelled):
    """Why a contact must not be sent letters or copies of the pupil's records, if at all."""

    NONE = "none", "No restriction"
    COURT_ORDER = "court_order", "A court order"
    SAFEGUARDING = "safeguarding", "A safeguarding concern"
    OTHER = "other", "Another reason"


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """A portable enum column: stored as its value, checked by a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


YEAR_GROUP_MIN = -1  # nursery
YEAR_GROUP_MAX = 14


def year_group_label(year_group: int | None) -> str:
    if year_group is None:
        return ""
    if year_group == -1:
        return "Nursery"
    if year_group == 0:
        return "Reception"
    return f"Year {year_group}"
