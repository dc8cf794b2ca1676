"""How the dashboard presents each figure: what it counts, in words a head teacher reads once, and
whether a count above nought needs action."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    explains: str
    tone: str  # "action": any is too many; "soon": coming due; "good": the more the better
    section: str
    # The duties whose open tasks answer an item of the figure: its drill-down names who holds them.
    duties: tuple[str, ...] = ()


# A pupil's meetings with parents are their class teacher's task each term; an EHC plan's annual
# review is convened and held by the SENCO, then decided on by the local authority.
ENGAGEMENT_DUTIES = ("teacher_meets_parents",)
EHC_REVIEW_DUTIES = ("senco_convenes_ehc_review", "senco_holds_ehc_review", "la_decides_ehc_review")

CARDS = (
    Card(
        "engagement_overdue",
        "Parents not met as often as needed",
        "Pupils on the register whose parents have had fewer meetings this year than the terms so far "
        "ask for (three a year).",
        "action",
        "parents",
        duties=ENGAGEMENT_DUTIES,
    ),
    Card(
        "engagement_due",
        "Parent meetings due this term",
        "Pupils whose next meeting with parents is needed before this term ends.",
        "soon",
        "parents",
        duties=ENGAGEMENT_DUTIES,
    ),
    Card(
        "engagement_on_track",
        "Parent meetings on track",
        "Pupils whose parents have been met as often as the year so far asks.",
        "good",
        "parents",
        duties=ENGAGEMENT_DUTIES,
    ),
    Card(
        "reviews_overdue",
        "Reviews overdue",
        "Pupils whose plan is running past the review date it set.",
        "action",
        "cycle",
        duties=("senco_holds_review",),
    ),
    Card(
        "k_without_plan",
        "On SEN support without a plan",
        "Pupils on SEN support with no plan being delivered or reviewed.",
        "action",
        "cycle",
    ),
    Card(
        "concerns_past_deadline",
        "Concerns past their deadline",
        "Concerns raised about a pupil that nobody has decided on by the deadline.",
        "action",
        "cycle",
        duties=("senco_decides_concern",),
    ),
    Card(
        "interventions_without_impact",
        "Interventions ended without impact recorded",
        "Interventions that ended this academic year with a pupil whose impact is not recorded.",
        "action",
        "provision",
        duties=("assistant_records_impact",),
    ),
    Card(
        "tasks_overdue",
        "Tasks overdue",
        "Open tasks for any role holder whose due date has passed.",
        "action",
        "duties",
    ),
    Card(
        "records_stale",
        "Records not updated",
        "Pupils on the register whose record has had no change for the weeks the school has set.",
        "action",
        "duties",
        duties=("senco_keeps_records_current",),
    ),
    Card(
        "ehc_reviews_due",
        "EHC annual reviews due within 8 weeks",
        "Pupils with an EHC plan whose annual review falls within the next 8 weeks.",
        "soon",
        "ehc",
        duties=EHC_REVIEW_DUTIES,
    ),
    Card(
        "ehc_reviews_overdue",
        "EHC annual reviews overdue",
        "Pupils with an EHC plan whose annual review date has passed with no review recorded.",
        "action",
        "ehc",
        duties=EHC_REVIEW_DUTIES,
    ),
)

BY_KEY = {card.key: card for card in CARDS}

SECTIONS = (
    ("parents", "Meeting parents"),
    ("cycle", "Assess, plan, do, review"),
    ("provision", "Interventions"),
    ("duties", "Duties and records"),
    ("ehc", "Education, health and care plans"),
)

# The LA officer's schools side by side, key columns first: the authority's own statutory duty (EHC
# annual reviews), then parents met and reviews held, then the rest of the school's checks.
AUTHORITY_COLUMNS = (
    "ehc_reviews_overdue",
    "ehc_reviews_due",
    "engagement_overdue",
    "reviews_overdue",
    "k_without_plan",
    "concerns_past_deadline",
    "interventions_without_impact",
    "tasks_overdue",
    "records_stale",
)
