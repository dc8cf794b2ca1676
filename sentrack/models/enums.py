"""The fixed vocabularies of the Code of Practice and the school census, as enums."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class Role(enum.StrEnum):
    SENCO = "senco"
    HEAD = "head"
    TEACHER = "teacher"
    SUPPORT_ASSISTANT = "support_assistant"
    GOVERNOR = "governor"
    LA_OFFICER = "la_officer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_school_role(self) -> bool:
        return self is not Role.LA_OFFICER


ROLE_LABELS = {
    Role.SENCO: "SENCO",
    Role.HEAD: "Head teacher",
    Role.TEACHER: "Class teacher",
    Role.SUPPORT_ASSISTANT: "Support assistant",
    Role.GOVERNOR: "Governor",
    Role.LA_OFFICER: "Local authority officer",
    Role.ADMIN: "School administrator",
}


class Phase(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    ALL_THROUGH = "all_through"
    SPECIAL = "special"

    @property
    def label(self) -> str:
        return {"all_through": "All-through"}.get(self.value, self.value.capitalize())


class Season(enum.StrEnum):
    """The three terms of every school year, in their order."""

    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def order(self) -> int:
        return list(Season).index(self)


class Provision(enum.StrEnum):
    """Census SEN provision: no SEN, SEN support, or an EHC plan."""

    NONE = "N"
    SEN_SUPPORT = "K"
    EHC_PLAN = "E"

    @property
    def label(self) -> str:
        return {"N": "No SEN", "K": "SEN support", "E": "EHC plan"}[self.value]

    @property
    def on_register(self) -> bool:
        return self is not Provision.NONE


class AreaOfNeed(enum.StrEnum):
    """The four broad areas of need of the Code of Practice (6.28 to 6.35)."""

    COMMUNICATION = "communication"
    COGNITION = "cognition"
    SEMH = "semh"
    SENSORY_PHYSICAL = "sensory_physical"

    @property
    def label(self) -> str:
        return {
            "communication": "Communication and interaction",
            "cognition": "Cognition and learning",
            "semh": "Social, emotional and mental health",
            "sensory_physical": "Sensory and/or physical",
        }[self.value]


class NeedType(enum.StrEnum):
    """Census need types; NSA only goes with SEN support."""

    SPLD = "SPLD"
    MLD = "MLD"
    SLD = "SLD"
    PMLD = "PMLD"
    SEMH = "SEMH"
    SLCN = "SLCN"
    HI = "HI"
    VI = "VI"
    MSI = "MSI"
    PD = "PD"
    ASD = "ASD"
    OTH = "OTH"
    NSA = "NSA"

    @property
    def label(self) -> str:
        return NEED_TYPE_LABELS[self]

    @property
    def area(self) -> AreaOfNeed | None:
        return NEED_TYPE_AREAS.get(self)


NEED_TYPE_LABELS = {
    NeedType.SPLD: "Specific learning difficulty",
    NeedType.MLD: "Moderate learning difficulty",
    NeedType.SLD: "Severe learning difficulty",
    NeedType.PMLD: "Profound and multiple learning difficulty",
    NeedType.SEMH: "Social, emotional and mental health",
    NeedType.SLCN: "Speech, language and communication needs",
    NeedType.HI: "Hearing impairment",
    NeedType.VI: "Vision impairment",
    NeedType.MSI: "Multi-sensory impairment",
    NeedType.PD: "Physical disability",
    NeedType.ASD: "Autistic spectrum disorder",
    NeedType.OTH: "Other difficulty or disability",
    NeedType.NSA: "SEN support but no specialist assessment of type of need",
}

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


class ConcernStatus(enum.StrEnum):
    OPEN = "open"
    ASSESSED = "assessed"
    NO_FURTHER_ACTION = "no_further_action"

    @property
    def label(self) -> str:
        return {
            "open": "Open",
            "assessed": "Assessment opened",
            "no_further_action": "No further action",
        }[self.value]


class ContactMethod(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"

    @property
    def label(self) -> str:
        return self.value.capitalize()


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
