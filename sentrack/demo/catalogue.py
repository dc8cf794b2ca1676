"""The demo schools' catalogues of interventions: well-known programmes English schools run, with
the measure each uses for entry and exit scores, and the wording of registers and impact.

Primary and secondary schools draw on different lists. Every school has the `core` programmes of
its phase (every area of need and wave) and some of the others, 14 to 18 in all. Costs are either staff hours (a support
assistant at about £14 to £16 an hour, a teacher at about £30 to £40, set per school) or a cost
per session for a licence or resources. Nobody is named in the wording.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sentrack.models import Delivery
from sentrack.models.enums import AreaOfNeed, Phase

C, L, S, P = AreaOfNeed.COMMUNICATION, AreaOfNeed.COGNITION, AreaOfNeed.SEMH, AreaOfNeed.SENSORY_PHYSICAL
GROUP, ONE = Delivery.GROUP, Delivery.ONE_TO_ONE
ASSISTANT, TEACHER = "assistant", "teacher"  # who delivers a programme

ASSISTANT_RATE_PENCE = (1400, 1600)  # a school's hourly rate for support assistants
TEACHER_RATE_PENCE = (3000, 4000)


@dataclass(frozen=True)
class Measure:
    """What a programme's entry and exit scores measure. Scores are whole numbers between
    `bottom` and `top`; an entry score falls in `entry` (or, for an age, that many months below
    the pupil's age); `gain` is the change of a pupil making the expected progress over ten
    weeks, upwards or, when lower is better, downwards."""

    name: str
    entry: tuple[int, int]
    gain: float
    top: int | None = None
    bottom: int = 0
    lower_is_better: bool = False
    age_based: bool = False  # entry is the pupil's age in months less `entry`


READING_AGE = Measure("Reading age in months", (12, 30), 5, age_based=True)
NUMBER_AGE = Measure("Number age in months", (10, 24), 5, age_based=True)
MATHS_AGE = Measure("Maths age in months", (14, 36), 6, age_based=True)
PHONICS = Measure("Phonics screening score out of 40", (8, 28), 6, top=40)
EXCEPTION_WORDS = Measure("Number of exception words read", (4, 24), 8, top=64)
BOXALL = Measure("Boxall profile score", (45, 90), 10, top=136)
LANGUAGE_SCREEN = Measure("LanguageScreen standard score", (70, 88), 5, top=130, bottom=69)
LANGUAGE_CHECKLIST = Measure("Language checklist score out of 40", (12, 24), 6, top=40)
NUMBER_FACTS = Measure("Number facts recalled in a minute", (4, 15), 7, top=60)
SENTENCES = Measure("Sentence building score out of 20", (3, 11), 4, top=20)
SPEECH_SOUNDS = Measure("Target speech sounds correct out of 20", (3, 10), 5, top=20)
VOCABULARY = Measure("Target vocabulary known out of 20", (4, 10), 5, top=20)
TOPIC_WORDS = Measure("Topic words known out of 20", (4, 10), 6, top=20)
ATTENTION = Measure("Minutes of shared attention", (2, 6), 4, top=20)
SOCIAL = Measure("Social skills checklist score out of 30", (8, 17), 5, top=30)
LETTERS = Measure("Letters formed correctly out of 26", (6, 16), 6, top=26)
HANDWRITING = Measure("Handwriting speed in words a minute", (6, 11), 3, top=30)
TYPING = Measure("Typing speed in words a minute", (6, 14), 6, top=60)
WORDS_PER_MINUTE = Measure("Words read correctly in a minute", (30, 80), 15, top=200)
MATHS_PAPER = Measure("Maths practice paper score (%)", (18, 40), 8, top=100)
TRANSITIONS = Measure("Unsettled transitions in a week (lower is better)", (6, 14), 4, lower_is_better=True)
SDQ = Measure("SDQ total difficulties score (lower is better)", (17, 30), 4, top=40, lower_is_better=True)
ATTENDANCE = Measure("School attendance this half-term (%)", (76, 90), 4, top=100)
READY_TO_LEARN = Measure("Calm starts to the day in a week (out of 5)", (0, 2), 2, top=5)


@dataclass(frozen=True)
class Programme:
    """A catalogue entry as the demo schools keep it. `years`: the year groups it suits
    (0 = Reception); `group_size` (1, 1) for one-to-one; `cost_per_session_pence` for a licence
    or resources, else it costs the staff hours of whoever delivers it (`staff`); `weight`: how
    often schools run it."""

    name: str
    short: str  # as it starts the names of the interventions that run it
    description: str
    area: AreaOfNeed
    wave: int
    sessions_per_week: int
    minutes: int
    weeks: int
    years: tuple[int, int]
    delivery: Delivery
    group_size: tuple[int, int]
    measure: Measure
    staff: str = ASSISTANT
    cost_per_session_pence: int | None = None
    weight: float = 1.0
    core: bool = False


# Run in both phases, for different year groups.
BETTER_READING = Programme(
    "Better Reading Partnership",
    "Better Reading",
    "Three short one-to-one reading sessions a week with a trained adult.",
    L,
    2,
    3,
    15,
    10,
    (1, 6),
    ONE,
    (1, 1),
    READING_AGE,
)


PRIMARY = [
    Programme(
        "Nuffield Early Language Intervention (NELI)",
        "NELI",
        "Oral language programme for Reception and Year 1: vocabulary, listening, narrative and "
        "phonological awareness in small groups, with short individual sessions.",
        C,
        2,
        3,
        30,
        20,
        (0, 1),
        GROUP,
        (3, 4),
        LANGUAGE_SCREEN,
        weight=1.2,
        core=True,
    ),
    Programme(
        "Talk Boost KS1",
        "Talk Boost",
        "Targeted group for children with delayed language: attention, listening, vocabulary, "
        "building sentences, telling stories and conversation.",
        C,
        2,
        3,
        30,
        10,
        (1, 2),
        GROUP,
        (4, 6),
        LANGUAGE_CHECKLIST,
        core=True,
    ),
    Programme(
        "Precision Teaching",
        "Precision Teaching",
        "Daily one-minute probes of a small set of words or facts, taught to fluency and charted.",
        L,
        3,
        5,
        10,
        8,
        (1, 6),
        ONE,
        (1, 1),
        EXCEPTION_WORDS,
        weight=1.5,
        core=True,
    ),
    Programme(
        "Toe by Toe",
        "Toe by Toe",
        "Structured phonics-based reading manual worked through one-to-one every day.",
        L,
        3,
        5,
        20,
        12,
        (3, 6),
        ONE,
        (1, 1),
        READING_AGE,
        core=True,
    ),
    Programme(
        "Lego-based therapy",
        "Lego-based therapy",
        "Three children build together as engineer, supplier and builder, practising turn-taking, "
        "shared attention and joint problem-solving.",
        C,
        3,
        1,
        45,
        10,
        (1, 6),
        GROUP,
        (3, 3),
        SOCIAL,
        core=True,
    ),
    Programme(
        "ELSA sessions",
        "ELSA",
        "Emotional literacy support from a trained ELSA: recognising and managing feelings, friendships, self-esteem.",
        S,
        3,
        1,
        45,
        8,
        (1, 6),
        ONE,
        (1, 1),
        BOXALL,
        weight=1.3,
        core=True,
    ),
    Programme(
        "Zones of Regulation group",
        "Zones of Regulation",
        "Small group learning the four zones, the triggers that move them between zones and the "
        "tools that bring them back.",
        S,
        2,
        1,
        30,
        10,
        (1, 6),
        GROUP,
        (4, 6),
        BOXALL,
        core=True,
    ),
    Programme(
        "Social stories",
        "Social stories",
        "Short personalised stories read before a change or a difficult part of the day.",
        C,
        3,
        3,
        10,
        6,
        (0, 6),
        ONE,
        (1, 1),
        TRANSITIONS,
    ),
    Programme(
        "Numbers Count",
        "Numbers Count",
        "Every Child Counts programme taught by a trained teacher to two or three children.",
        L,
        3,
        3,
        30,
        12,
        (1, 4),
        GROUP,
        (3, 3),
        NUMBER_AGE,
        staff=TEACHER,
        core=True,
    ),
    Programme(
        "Plus 1",
        "Plus 1",
        "Short daily one-to-one sessions building number sense and addition facts.",
        L,
        2,
        5,
        10,
        10,
        (1, 3),
        ONE,
        (1, 1),
        NUMBER_FACTS,
    ),
    Programme(
        "Power of 2",
        "Power of 2",
        "Daily one-to-one maths coaching book for pupils who need to secure the basics.",
        L,
        2,
        5,
        10,
        10,
        (4, 6),
        ONE,
        (1, 1),
        NUMBER_FACTS,
    ),
    Programme(
        "FFT Lightning Squad",
        "Lightning Squad",
        "Computer-assisted reading in small groups of pairs, tutor-led; the licence is per session.",
        L,
        2,
        3,
        30,
        12,
        (2, 5),
        GROUP,
        (4, 6),
        READING_AGE,
        cost_per_session_pence=450,
    ),
    Programme(
        "Sound Discovery",
        "Sound Discovery",
        "Synthetic phonics catch-up in small groups, following the programme's steps.",
        L,
        3,
        4,
        20,
        12,
        (1, 4),
        GROUP,
        (3, 4),
        PHONICS,
        core=True,
    ),
    Programme(
        "Write from the Start (fine motor)",
        "Write from the Start",
        "Perceptual and fine motor activities that prepare for fluent handwriting.",
        P,
        3,
        3,
        20,
        10,
        (0, 3),
        GROUP,
        (3, 4),
        LETTERS,
        core=True,
    ),
    Programme(
        "Colourful Semantics",
        "Colourful Semantics",
        "Colour-coded questions (who, what doing, what, where) to build spoken and written sentences.",
        C,
        3,
        3,
        20,
        8,
        (0, 3),
        GROUP,
        (3, 4),
        SENTENCES,
    ),
    Programme(
        "Attention Autism",
        "Attention Autism",
        "Bucket time: four stages of shared attention with exciting visual activities.",
        C,
        3,
        4,
        20,
        10,
        (0, 2),
        GROUP,
        (3, 5),
        ATTENTION,
    ),
    Programme(
        "Lexia Core5 Reading",
        "Lexia",
        "Adaptive online reading programme used in supervised sessions; the licence is per session.",
        L,
        2,
        3,
        20,
        16,
        (1, 6),
        GROUP,
        (4, 6),
        READING_AGE,
        cost_per_session_pence=180,
    ),
    BETTER_READING,
    Programme(
        "Speech and language therapy programme (from the SALT)",
        "Speech and language programme",
        "The therapist's programme of targets and activities, delivered by a support assistant between visits.",
        C,
        3,
        3,
        15,
        12,
        (0, 6),
        ONE,
        (1, 1),
        SPEECH_SOUNDS,
        weight=1.3,
        core=True,
    ),
    Programme(
        "Pre-teaching of topic vocabulary",
        "Pre-teaching vocabulary",
        "Key words of the coming topic taught before the lessons, with pictures and actions.",
        C,
        1,
        2,
        15,
        6,
        (1, 6),
        GROUP,
        (4, 6),
        TOPIC_WORDS,
        weight=0.4,
        core=True,
    ),
    Programme(
        "Sensory circuit",
        "Sensory circuit",
        "Alerting, organising and calming activities at the start of the day.",
        P,
        3,
        5,
        15,
        10,
        (0, 6),
        GROUP,
        (3, 5),
        READY_TO_LEARN,
        weight=0.8,
    ),
]

SECONDARY = [
    Programme(
        "Lexia PowerUp Literacy",
        "Lexia PowerUp",
        "Adaptive online literacy for older readers, in supervised sessions; the licence is per session.",
        L,
        2,
        3,
        30,
        16,
        (7, 9),
        GROUP,
        (4, 6),
        READING_AGE,
        cost_per_session_pence=220,
        core=True,
    ),
    Programme(
        "Toe by Toe",
        "Toe by Toe",
        "Structured phonics-based reading manual worked through one-to-one in form time.",
        L,
        3,
        4,
        20,
        12,
        (7, 9),
        ONE,
        (1, 1),
        READING_AGE,
        core=True,
    ),
    Programme(
        "Precision Teaching",
        "Precision Teaching",
        "Daily one-minute probes of subject key words, taught to fluency and charted.",
        L,
        3,
        5,
        10,
        8,
        (7, 11),
        ONE,
        (1, 1),
        WORDS_PER_MINUTE,
        weight=1.3,
        core=True,
    ),
    Programme(
        "Read Write Inc. Fresh Start",
        "Fresh Start",
        "Phonics-based catch-up for older pupils still learning to read.",
        L,
        3,
        3,
        45,
        12,
        (7, 8),
        GROUP,
        (4, 6),
        READING_AGE,
    ),
    Programme(
        "Catch Up Numeracy",
        "Catch Up Numeracy",
        "Two short one-to-one sessions a week on the ten components of number.",
        L,
        2,
        2,
        15,
        12,
        (7, 9),
        ONE,
        (1, 1),
        MATHS_AGE,
        core=True,
    ),
    Programme(
        "Maths catch-up tutoring (online)",
        "Online maths tutoring",
        "Online one-to-one tutors for each pupil, supervised in a group; paid per session.",
        L,
        2,
        1,
        45,
        14,
        (10, 11),
        GROUP,
        (4, 6),
        MATHS_PAPER,
        cost_per_session_pence=1800,
    ),
    Programme(
        "Maths intervention group (specialist teacher)",
        "Maths group",
        "Small-group maths with a specialist teacher, working on gaps found in assessments.",
        L,
        2,
        2,
        50,
        10,
        (9, 11),
        GROUP,
        (4, 6),
        MATHS_PAPER,
        staff=TEACHER,
        core=True,
    ),
    Programme(
        "ELSA sessions",
        "ELSA",
        "Emotional literacy support from a trained ELSA: managing feelings, friendships, self-esteem.",
        S,
        3,
        1,
        50,
        8,
        (7, 11),
        ONE,
        (1, 1),
        SDQ,
        weight=1.4,
        core=True,
    ),
    Programme(
        "Zones of Regulation group",
        "Zones of Regulation",
        "Small group learning to notice their zone and choose the tools that help.",
        S,
        2,
        1,
        50,
        8,
        (7, 8),
        GROUP,
        (4, 6),
        SDQ,
    ),
    Programme(
        "Anxiety management group (Think Good, Feel Good)",
        "Anxiety group",
        "Cognitive behavioural workbook sessions on anxious thoughts, feelings and coping.",
        S,
        2,
        1,
        50,
        8,
        (8, 11),
        GROUP,
        (4, 6),
        SDQ,
        core=True,
    ),
    Programme(
        "Learning mentor sessions",
        "Mentoring",
        "Weekly check-in with a learning mentor on attendance, organisation and goals.",
        S,
        2,
        1,
        30,
        10,
        (7, 11),
        ONE,
        (1, 1),
        ATTENDANCE,
        weight=1.3,
        core=True,
    ),
    Programme(
        "Lego-based therapy",
        "Lego-based therapy",
        "Three pupils build together as engineer, supplier and builder, practising collaboration.",
        C,
        3,
        1,
        50,
        10,
        (7, 8),
        GROUP,
        (3, 3),
        SOCIAL,
    ),
    Programme(
        "Social skills group (Socially Speaking)",
        "Social skills group",
        "Structured group on conversation, friendships and reading social situations.",
        C,
        3,
        1,
        50,
        10,
        (7, 9),
        GROUP,
        (4, 6),
        SOCIAL,
        core=True,
    ),
    Programme(
        "Social stories and comic strip conversations",
        "Social stories",
        "Short personalised stories and drawn conversations to prepare for changes and unpick incidents.",
        C,
        3,
        2,
        15,
        6,
        (7, 11),
        ONE,
        (1, 1),
        TRANSITIONS,
    ),
    Programme(
        "Speech and language therapy programme (from the SALT)",
        "Speech and language programme",
        "The therapist's programme of vocabulary and language targets, delivered by a support "
        "assistant between visits.",
        C,
        3,
        2,
        20,
        12,
        (7, 11),
        ONE,
        (1, 1),
        VOCABULARY,
        core=True,
    ),
    Programme(
        "Word Aware vocabulary group",
        "Word Aware",
        "Subject vocabulary taught explicitly with the Word Aware approach.",
        C,
        2,
        2,
        30,
        8,
        (7, 8),
        GROUP,
        (4, 6),
        VOCABULARY,
    ),
    Programme(
        "Touch-type Read and Spell (TTRS)",
        "TTRS",
        "Multi-sensory touch-typing course that also builds reading and spelling; licence per session.",
        L,
        2,
        3,
        20,
        16,
        (7, 11),
        GROUP,
        (3, 6),
        TYPING,
        cost_per_session_pence=150,
    ),
    Programme(
        "Handwriting and fine motor group",
        "Handwriting group",
        "Fine motor warm-ups, posture and letter joins to build handwriting speed for exams.",
        P,
        3,
        2,
        30,
        10,
        (7, 9),
        GROUP,
        (3, 4),
        HANDWRITING,
        core=True,
    ),
    replace(BETTER_READING, years=(7, 8)),
    Programme(
        "Pre-teaching of subject vocabulary",
        "Pre-teaching vocabulary",
        "Key words of the next unit taught before the lessons, in a small group.",
        C,
        1,
        2,
        20,
        6,
        (7, 11),
        GROUP,
        (4, 6),
        VOCABULARY,
        weight=0.4,
        core=True,
    ),
]

PROGRAMMES = {Phase.PRIMARY: PRIMARY, Phase.SECONDARY: SECONDARY}
CATALOGUE_SIZE = (14, 18)

IMPACT_COMMENTS = {
    2: [
        "Rapid progress, well above the gain expected for the length of the intervention.",
        "Exceeded the target; the skills are now used in class without prompting.",
        "Ready to leave the intervention; progress to be checked at the next data point.",
        "Big gain in confidence as well as on the measure; the class teacher sees the difference.",
    ],
    1: [
        "Good progress, more than expected over the weeks it ran.",
        "Progress better than expected; some skills still need practice in class.",
        "Clear gains on the measure; a lighter-touch version will carry on.",
    ],
    0: [
        "Steady progress in line with expectations.",
        "Expected progress; continue with the same approach next term.",
        "Made the expected gain and attended well.",
    ],
    -1: [
        "Some progress but less than hoped; try a different approach next.",
        "Small gains; sessions often clashed with other lessons and were cut short.",
        "Less progress than expected; the SENCO will discuss next steps with the class teacher.",
    ],
    -2: [
        "Little or no change on the exit measure; outside advice to be sought.",
        "No measurable progress; this programme does not suit the pupil's needs.",
        "The score went down; to be discussed at the next review of the plan.",
    ],
}
ABSENCE_COMMENT = "Attended {attended} of {held} sessions; absence limited the progress made."

SESSION_NOTES = [
    "Shortened session: assembly overran.",
    "Good focus from everyone today.",
    "Moved to the library: the usual room was in use.",
    "Started the next unit of the programme.",
    "Unsettled after lunch; took a short movement break first.",
    "Recapped last session before moving on.",
    "Used the new resource pack; it worked well.",
    "Fire drill: the session was cut to ten minutes.",
    "All targets practised; ready to move on next time.",
    "Worked on the targets from the class teacher's note.",
]
