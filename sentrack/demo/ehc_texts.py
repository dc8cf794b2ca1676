"""The wording of the demo's EHC work: advisers, decisions, exceptions, plan outcomes, review
notes and the lines of the generated documents. Nobody is named."""

from __future__ import annotations

from sentrack.models import AreaOfNeed, ExceptionKind

ADVISERS = ["Educational psychologist", "Health (community paediatrician)", "Social care"]
AGREED_NOTE = "The evidence of the graduated approach meets the authority's criteria for an assessment."
REFUSED_NOTE = (
    "The school's SEN support is meeting the child's needs: the authority asks the school to continue "
    "the graduated approach, with advice from the educational psychology service, and review in a term."
)
OTHER_REQUESTER = "Community paediatrician"
WITHDRAWN_REASON = "The family moved out of the authority's area."
EXCEPTION_REASONS = {
    ExceptionKind.PERSONAL: "A family bereavement: the parents asked for the advice meetings to wait.",
    ExceptionKind.AWAY: "The child was abroad with the family for five weeks.",
    ExceptionKind.SETTING_CLOSED: "The nursery asked for advice was closed for the summer.",
    ExceptionKind.MISSED_APPOINTMENT: "The child missed the appointment with the paediatrician.",
}

OUTCOMES = {
    AreaOfNeed.COMMUNICATION: [
        "Takes part in a conversation with a familiar adult for five turns, with visual prompts",
        "Asks for help in class using words or a help card, without an adult's prompt",
        "Follows a two-step instruction given to the whole class",
        "Copes with a change to the day's routine when it is explained beforehand with a visual timetable",
    ],
    AreaOfNeed.COGNITION: [
        "Reads a book banded at the next level with 95% accuracy",
        "Uses number facts to 20 to solve simple problems, using apparatus",
        "Writes three linked sentences independently, using a word bank",
        "Remembers and follows the steps of a familiar task with a checklist",
    ],
    AreaOfNeed.SEMH: [
        "Names how they feel and uses a calming strategy chosen with their key adult",
        "Stays in class for whole lessons on four days out of five",
        "Plays or works with a partner at break times with adult support nearby",
        "Returns to learning within ten minutes after an upset",
    ],
    AreaOfNeed.SENSORY_PHYSICAL: [
        "Moves around the school safely and independently, using the agreed routes",
        "Uses the agreed equipment to record work at the pace of the class",
        "Manages personal care with the agreed level of support",
        "Tells an adult when the environment is too noisy or bright and uses a quiet space",
    ],
}

GENERAL_OUTCOMES = [  # for a need of no single area ("other difficulty or disability")
    "Takes part in all of the school day, with the adjustments agreed with their family",
    "Tells an adult what helps them learn and what gets in the way",
    "Completes a short task on their own before asking for help",
]

ATTENDEES = "Parent or carer, SENCO, class teacher or tutor, educational psychologist, the pupil for part"
PUPIL_VIEWS = "Shared their one-page profile: likes their key adult and small-group work, finds the dinner hall hard."
REVIEW_SUMMARY = {
    "keep": "Good progress towards most outcomes; the provision in section F continues as it is.",
    "amend": "Needs have changed: outcomes and provision to be updated, and the next setting named.",
}
ADULTHOOD = "Preparing for adulthood: talked about courses after Year 11, travel training and independence."

PLAN_LINES = [
    "Section A: the views, interests and aspirations of the child and their parents.",
    "Section B: the child's special educational needs.",
    "Section C: health needs related to their SEN.",
    "Section D: social care needs related to their SEN.",
    "Section E: the outcomes sought, short and long term.",
    "Section F: the special educational provision, specified and quantified.",
    "Sections G and H: health and social care provision.",
    "Section I: the name and type of the school or other institution.",
    "Section J: any personal budget.",
    "Section K: the advice and information gathered in the assessment.",
]
EP_LINES = [
    "Background and the questions asked by the school and the family.",
    "Observation in class and at play; consultation with the SENCO and class teacher.",
    "Cognitive and attainment assessments, with the scores in the appendix.",
    "Strengths: curiosity, persistence with practical tasks, warm relationships with adults.",
    "Needs: working memory, processing speed, language for learning.",
    "Recommendations: small-group teaching, pre-teaching vocabulary, visual supports.",
]
DRAFT_LINES = [
    "This draft does not name a school or other institution (section I).",
    "Parents and the young person have at least 15 days to comment and to ask for a meeting.",
] + PLAN_LINES[:6]
DEMO_LINE = "Demo document made by SEN Track's demo: it describes no real child."
