"""Wording for the demo's support cycles: assessments, outcomes, plans, observations and reviews.

Written as a SENCO and class staff would write them, by broad area of need, and generic enough
to fit any pupil: nobody is named (adults are "the class teacher", "Mum", "the SENCO"). Where
wording differs between primary and secondary, the phase picks it. A few phrases carry numbers
(reading ages, test scores) filled in from the pupil's age when the text is used.

`{teacher}` stands for "the class teacher" at a primary and "the form tutor" at a secondary;
`TextBook(phase)` fills it in once, so a build formats nothing per row but the scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from sentrack.models.enums import AreaOfNeed, Phase

C, L, S, P = AreaOfNeed.COMMUNICATION, AreaOfNeed.COGNITION, AreaOfNeed.SEMH, AreaOfNeed.SENSORY_PHYSICAL

# --- Assess ---------------------------------------------------------------------------------------

STRENGTHS = {
    C: [
        "Has a good visual memory and follows picture timetables well.",
        "Enjoys practical, hands-on activities and concentrates well when interested.",
        "Kind to younger pupils; shares a favourite topic with real enthusiasm.",
        "Copes well with familiar routines and settles quickly with a known adult.",
        "Good at jigsaws, construction and spotting patterns.",
        "Tries hard to be understood and uses gesture and pointing to help.",
    ],
    L: [
        "Well motivated and keen to please; tries every task set.",
        "Strong spoken vocabulary and good general knowledge.",
        "Enjoys listening to stories and retells them with detail.",
        "Good practical problem-solver in design technology and science.",
        "Works well in a pair and responds to praise.",
        "Artistic and creative; takes pride in presentation when given time.",
    ],
    S: [
        "Has a good relationship with one or two trusted adults in school.",
        "Sporty and confident in PE; enjoys being given responsibility.",
        "Caring towards friends and animals; shows empathy when calm.",
        "Can talk about feelings when given time and a quiet space.",
        "Makes good progress when settled; reading is close to age-related.",
        "Responds well to clear, consistent boundaries and calm adults.",
    ],
    P: [
        "Determined and independent; asks for help when needed.",
        "Good listening skills in small groups and one-to-one.",
        "Strong reader and articulate speaker.",
        "Good sense of humour; well liked by classmates.",
        "Works hard to keep up and uses equipment sensibly.",
        "Creative thinker with good ideas in discussion.",
    ],
}

DIFFICULTIES = {
    C: [
        "Finds it hard to follow spoken instructions of more than one step without visual support.",
        "Limited expressive vocabulary; sentences are short and often missing small words.",
        "Finds unstructured times difficult and can become distressed when routines change.",
        "Struggles to take turns in conversation and to read other pupils' body language.",
        "Speech sounds are unclear to unfamiliar listeners, which leads to frustration.",
        "Takes language literally and misunderstands jokes and figures of speech.",
    ],
    L: [
        "Phonic knowledge is insecure; blends three-letter words but not longer ones.",
        "Working memory is weak: loses track of multi-step tasks part-way through.",
        "Reading comprehension is well below the rest of the class.",
        "Number facts are not yet secure; relies on counting on fingers.",
        "Spelling is inconsistent and written work is much weaker than spoken answers.",
        "Slow processing speed; needs extra time to respond and to finish tasks.",
    ],
    S: [
        "Anxiety about school shows as stomach aches and reluctance to come in.",
        "Becomes dysregulated after break and lunchtime and may leave the classroom.",
        "Low self-esteem; avoids tasks that might show a mistake.",
        "Finds it hard to manage disagreements with peers without adult help.",
        "Attention and focus drop sharply in the afternoon.",
        "Withdrawn in class; rarely speaks in front of the group.",
    ],
    P: [
        "Fine motor control is weak: handwriting is slow, large and tiring.",
        "Moderate hearing loss: misses instructions given in noisy rooms or from behind.",
        "Visual impairment means standard print and the board are hard to read.",
        "Tires quickly and needs rest breaks; mobility around the site is slow.",
        "Sensitive to noise and crowds; covers ears in the hall and dining room.",
        "Gross motor skills and balance are behind peers; avoids PE.",
    ],
}

# (lowest year group, highest year group, template): scores come from `scores()` below.
EVIDENCE = {
    C: [
        (
            0,
            6,
            (
                "Language screen: standard score {standard} (average 85 to 115); "
                "expressive language weaker than understanding."
            ),
        ),
        (0, 11, "Speech and language therapy report: delayed expressive language; targets shared with school."),
        (0, 11, "SENCO observation in class and at lunchtime: initiates interaction with peers rarely."),
        (
            7,
            11,
            (
                "Word-finding difficulties noted by English and humanities teachers; "
                "vocabulary test standard score {standard}."
            ),
        ),
        (0, 11, "Autism assessment pathway report received; sensory profile completed with parents."),
    ],
    L: [
        (1, 2, "Phonics screening {phonics}/40; reading age {reading_age} (chronological age {age})."),
        (2, 6, "Reading age {reading_age} (chronological age {age}); single-word spelling age {spelling_age}."),
        (1, 6, "Diagnostic maths assessment: secure to number bonds within 10 only; standard score {standard}."),
        (
            7,
            11,
            (
                "Reading age {reading_age} on the group reading test (chronological age {age}); "
                "comprehension standard score {standard}."
            ),
        ),
        (7, 11, "Cognitive abilities test: verbal {standard}, non-verbal {standard2}; processing speed low."),
        (0, 11, "Educational psychologist consultation: working memory and processing speed well below average."),
        (0, 0, "Early learning goals not met in literacy or maths; baseline well below the cohort."),
    ],
    S: [
        (0, 11, "Strengths and difficulties questionnaire: total {sdq}/40 (parent), emotional symptoms high."),
        (0, 6, "Boxall profile completed by the class teacher: difficulties with self-regulation and attachment."),
        (0, 11, "Behaviour log: {incidents} incidents this half term, mostly after lunchtime."),
        (7, 11, "Attendance {attendance}% this term; pastoral team logs show anxiety before tests."),
        (0, 11, "School nurse and family support worker notes shared with parents' consent."),
    ],
    P: [
        (0, 11, "Audiology report: moderate bilateral hearing loss; hearing aids fitted."),
        (0, 11, "Qualified teacher of the visually impaired visit: enlarged print (N18) recommended."),
        (
            0,
            6,
            (
                "Occupational therapy assessment: fine motor skills below age expectations; "
                "handwriting speed {wpm} words a minute."
            ),
        ),
        (7, 11, "Handwriting speed {wpm} words a minute (age expectation 16 or more); laptop trialled in English."),
        (0, 11, "Physiotherapy report with a programme of daily exercises; risk assessment updated."),
    ],
}

ASSESSMENT_PUPIL_VIEWS = {
    C: [
        "Would like help to make friends at lunchtime.",
        "Likes the visual timetable and wants one at home too.",
        "Says it is hard when people talk too fast: 'I need more time to think'.",
    ],
    L: [
        "Says lessons are 'too fast' and would like more time to finish.",
        "Says reading is hard because 'the words jump about'.",
        "Says the best part of the day is PE and the worst is writing.",
    ],
    S: [
        "Worries about getting things wrong in front of the class.",
        "Says lunchtimes are 'too loud' and would like somewhere quiet to go.",
        "Likes working with the teaching assistant in a small group: 'it's quieter'.",
    ],
    P: [
        "Says it helps to sit near the front where the teacher can explain again.",
        "Gets tired by the afternoon and would like a short break.",
        "Does not like being the only one with different equipment.",
    ],
}

ASSESSMENT_PARENT_VIEWS = [
    "Mum shares the school's concern and sees the same difficulty with homework.",
    "Dad says mornings are hard and would like a plan for the start of the day.",
    "Parents are keen to help at home and asked for reading games to play.",
    "Mum reports good progress at home but worries about friendships.",
    "Parents asked for regular updates by email and agreed to a speech and language referral.",
    "Parents are worried about behaviour after school.",
    "Parents noticed the difficulty at nursery and are relieved it is being looked at.",
    "Dad would like the pupil to have a quiet place to go when upset.",
]

OUTSIDE_AGENCIES = {
    C: [
        "Speech and language therapy service",
        "Autism outreach team",
        "Communication and interaction advisory teacher",
    ],
    L: ["Educational psychology service", "Specialist teacher for literacy", "Learning support service"],
    S: [
        "Mental health support team in schools",
        "Child and adolescent mental health services",
        "Family support worker",
    ],
    P: ["Sensory support service", "Occupational therapy", "Physiotherapy", "School nursing team"],
}

# --- Plan: outcomes, strategies, provision ----------------------------------------------------------

# (description, success criteria), for any phase unless in the phase tables after.
OUTCOMES = {
    C: [
        (
            "Follow two-step spoken instructions in class with a visual prompt.",
            "Follows two-step instructions independently on 4 out of 5 occasions, checked weekly by the class staff.",
        ),
        (
            "Use sentences of five or more words to explain an idea.",
            "Uses five-word sentences in 3 out of 5 speech and language sessions and in class discussion.",
        ),
        (
            "Take turns in a small-group game without adult prompting.",
            "Waits for a turn and responds to a peer in three group sessions running.",
        ),
        (
            "Manage changes to the timetable using a now-and-next board.",
            "Moves between activities calmly after a warning, with no more than one difficult transition a week.",
        ),
        (
            "Ask for help using an agreed phrase or card.",
            "Uses the help card or phrase at least once a lesson, recorded on the tracking sheet.",
        ),
        (
            "Join in paired talk in lessons.",
            "Contributes one idea in paired talk in most lessons, seen in two observations.",
        ),
    ],
    L: [
        (
            "Read and spell the next set of high-frequency words.",
            "Reads 40 of the 45 words on the list and spells 20 correctly in a weekly check.",
        ),
        ("Recall number bonds to 20 quickly.", "Answers 18 out of 20 bonds correctly within two minutes."),
        (
            "Plan and write a paragraph using a writing frame.",
            "Writes a paragraph of four linked sentences using the frame, in two pieces of work.",
        ),
        (
            "Use a checklist to start independent tasks without adult prompting.",
            "Starts work within two minutes of the instruction in 4 out of 5 lessons.",
        ),
        (
            "Improve reading comprehension through guided questioning.",
            "Answers literal and simple inference questions on a short text with 80% accuracy.",
        ),
        (
            "Use a multiplication grid and concrete resources to solve word problems.",
            "Solves two-step word problems with resources in 3 of 4 weekly tasks.",
        ),
    ],
    S: [
        (
            "Recognise and name feelings using the zones of regulation.",
            "Names the zone and a strategy when asked, in 4 of 5 daily check-ins.",
        ),
        (
            "Use the agreed calm-down strategy instead of leaving the classroom.",
            "Uses the calm space or a movement break, with no unplanned exits in three weeks.",
        ),
        ("Come into school calmly each morning.", "Arrives and settles within ten minutes on 9 days out of 10."),
        (
            "Resolve disagreements with peers with less adult help.",
            "Fewer than two lunchtime incidents a week over the half term.",
        ),
        (
            "Take part in whole-class activities for the full lesson.",
            "Stays in the lesson and joins in for the full time in 4 of 5 lessons.",
        ),
        (
            "Build confidence to try tasks that might show a mistake.",
            "Attempts the first question of independent tasks without refusal in most lessons.",
        ),
    ],
    P: [
        (
            "Form letters correctly and write more quickly.",
            "Writes a short sentence legibly in under two minutes; letter formation checked fortnightly.",
        ),
        (
            "Use the radio aid and check understanding of instructions.",
            "Repeats back or checks the instruction in most lessons; radio aid used every day.",
        ),
        (
            "Access enlarged print and the board independently.",
            "Uses the enlarged resources and tablet camera without reminders in all lessons.",
        ),
        (
            "Complete the physiotherapy programme daily in school.",
            "Programme completed on 9 days out of 10, recorded on the exercise sheet.",
        ),
        (
            "Manage noisy spaces using ear defenders and a planned exit.",
            "Attends assembly and lunch with the agreed supports on most days.",
        ),
        (
            "Use a laptop for extended writing.",
            "Produces extended writing on the laptop in English and humanities every week.",
        ),
    ],
}

PRIMARY_OUTCOMES = {
    L: [
        (
            "Blend and segment words with adjacent consonants.",
            "Reads 8 of 10 unfamiliar CVCC and CCVC words in the phonics check each fortnight.",
        ),
        (
            "Learn the phase 5 alternative spellings taught this term.",
            "Reads 15 of 20 words with the new graphemes correctly.",
        ),
    ],
    C: [
        (
            "Listen to a short story and answer who, what and where questions.",
            "Answers three of four questions correctly in small-group sessions.",
        ),
    ],
}

SECONDARY_OUTCOMES = {
    L: [
        (
            "Organise homework and equipment using a planner.",
            "Homework handed in on time for 4 of 5 subjects each week.",
        ),
        (
            "Use revision strategies that suit the pupil's memory.",
            "Uses two taught strategies before each assessment and improves scores in two subjects.",
        ),
    ],
    S: [
        (
            "Use the exit card sensibly when anxiety rises.",
            "Uses the card no more than twice a week and returns to lessons within ten minutes.",
        ),
    ],
}

STRATEGIES = {
    C: [
        "Give instructions one step at a time, with a visual prompt, and check understanding",
        "Use a visual timetable and warn before changes",
        "Say the pupil's name before giving an instruction",
        "Model sentences and give thinking time before expecting an answer",
        "Pre-teach key vocabulary for each new topic",
        "Give a clear role in group work",
    ],
    L: [
        "Break tasks into small steps on a checklist",
        "Provide word banks, writing frames and number lines on the desk",
        "Reduce copying from the board; give printed notes",
        "Allow extra time and check in early in independent work",
        "Overlearn key facts with short daily practice",
        "Use coloured overlays and dyslexia-friendly fonts",
    ],
    S: [
        "Meet and greet at the door each morning",
        "Offer movement breaks and a calm space, agreed in advance",
        "Use calm, private praise and reminders",
        "Give a choice of two when the pupil is becoming dysregulated",
        "Seat near a supportive peer, away from the door",
        "Prepare for changes and supply teachers in advance",
    ],
    P: [
        "Seat near the front, facing the teacher, away from noise",
        "Use the radio aid and subtitles on videos",
        "Provide enlarged print and a copy of the board work",
        "Allow a laptop or scribe for extended writing",
        "Plan rest breaks and a lift pass",
        "Give early warning of loud events such as fire drills",
    ],
}

PROVISION = {
    C: [
        "Speech and language programme, 3 x 15 minutes a week with a teaching assistant",
        "Talk Boost small-group sessions, 3 x 30 minutes a week",
        "Social skills group, 1 x 45 minutes a week with the SENCO",
        "Lunchtime club with structured games, 3 x a week",
        "Now-and-next board and visual timetable in class",
    ],
    L: [
        "One-to-one precision teaching of key words, 5 x 10 minutes a week",
        "Maths intervention group, 2 x 30 minutes a week",
        "Reading intervention, 3 x 20 minutes a week with a trained reading partner",
        "Touch-typing programme, 2 x 15 minutes a week",
        "Pre-teaching of topic vocabulary, 1 x 20 minutes before each new unit",
    ],
    S: [
        "Emotional literacy sessions, 1 x 30 minutes a week with the emotional literacy support assistant",
        "Daily morning check-in, 10 minutes with a key adult",
        "Nurture group, 2 afternoons a week",
        "Mentoring, 1 x 30 minutes a week with the pastoral lead",
        "Lego therapy group, 1 x 40 minutes a week",
        "Calm space available with a pass, agreed with all staff",
    ],
    P: [
        "Fine motor group, 3 x 15 minutes a week with a teaching assistant",
        "Daily physiotherapy programme, 15 minutes with a trained teaching assistant",
        "Radio aid checked daily; sensory support teacher visits once a half term",
        "Enlarged resources prepared by the support team for every lesson",
        "Laptop for written work, with touch-typing practice 2 x 15 minutes a week",
        "Handwriting programme, 4 x 10 minutes a week",
    ],
}

# The expected impact of the support on progress, development or behaviour (CoP 6.48).
EXPECTED_IMPACT = {
    C: [
        "Follows a two-step instruction in class without a reminder in most lessons",
        "Takes turns in a small-group conversation for five minutes with one prompt",
        "Uses the new topic words when explaining work to an adult",
        "Asks an adult for help using a taught phrase instead of leaving the task",
    ],
    L: [
        "Reading accuracy on a book at the right band rises to 9 words in 10",
        "Spells the taught high-frequency words correctly in independent writing",
        "Completes the core task in maths lessons with the planned resources",
        "Reading age gains at least six months by the review",
    ],
    S: [
        "Fewer incidents logged: at most one a week by the review",
        "Starts the day calmly after the check-in on four days in five",
        "Uses the calm space pass instead of leaving the room without permission",
        "Joins in a structured game at lunchtime at least three times a week",
    ],
    P: [
        "Forms letters correctly and legibly in a short piece of independent writing",
        "Takes part in PE with the agreed adaptations every week",
        "Uses the radio aid and checks it is working with an adult each morning",
        "Completes written work on the laptop at the same pace as peers",
    ],
}

RESPONSIBILITIES = [
    "{Teacher} plans the strategies into every lesson; the teaching assistant delivers the sessions "
    "and keeps the tracking sheet; the SENCO checks progress half-termly; parents practise the "
    "targets at home.",
    "{Teacher} stays responsible for the pupil's progress and checks the work of each session; the "
    "teaching assistant runs the group; parents read at home five times a week.",
    "The SENCO liaises with outside agencies; {teacher} adapts lessons; the teaching assistant "
    "records each session; parents share what works at home.",
    "{Teacher} and the teaching assistant meet weekly to adjust the plan; the SENCO reviews the "
    "tracking sheet; parents sign the home-school book.",
]

PRIMARY_PROVISION = {
    L: [
        "Small-group phonics, 3 x 20 minutes a week with a teaching assistant",
        "Daily reading with an adult, 5 x 10 minutes a week",
    ],
}

SECONDARY_PROVISION = {
    L: [
        "Literacy catch-up group in tutor time, 3 x 25 minutes a week",
        "Homework club with a teaching assistant, 2 x 45 minutes a week",
    ],
    S: ["Check-in with the pastoral lead at the start and end of each day"],
}

# --- Do ----------------------------------------------------------------------------------------------

OBSERVATIONS = {
    C: [
        "Followed a two-step instruction with the visual prompt in maths today.",
        "Used the help card twice this morning without a reminder.",
        "Joined in the group game and took turns for the whole session.",
        "Found the change of room difficult; settled after five minutes with the now-and-next board.",
        "Answered with a full sentence when given thinking time.",
        "Played with two classmates at lunchtime in the structured games club.",
        "Needed the instruction repeated three times in a noisy lesson; better once seated at the front.",
        "Explained the steps of the science experiment to a partner clearly.",
    ],
    L: [
        "Read 32 of the 45 key words today, up from 25 three weeks ago.",
        "Used the writing frame to write four sentences independently.",
        "Started the task within two minutes using the checklist.",
        "Struggled with number bonds after the weekend; quick recap helped.",
        "Needed adult support to start; finished with the word bank.",
        "Spelling test 7/10, best score this term.",
        "Answered inference questions on the group text with some prompting.",
    ],
    S: [
        "Came in calmly after the morning check-in; settled straight away.",
        "Used the calm space for five minutes after lunch and returned to class.",
        "Named the feeling and chose a strategy with the key adult.",
        "Difficult afternoon: left the classroom once; calmed with the agreed adult.",
        "Resolved a disagreement at break with a short reminder of the script.",
        "Took part in the whole lesson and answered a question in front of the class.",
        "Arrived upset; the planned meet-and-greet helped the pupil settle in ten minutes.",
        "Good week: no incidents at lunchtime.",
    ],
    P: [
        "Radio aid used all day; checked understanding of the homework instructions.",
        "Handwriting more even; wrote two lines in three minutes.",
        "Used the tablet camera to read the board independently.",
        "Physiotherapy exercises completed before lunch.",
        "Wore ear defenders in assembly and stayed for the whole time.",
        "Tired by the afternoon; took the planned rest break and returned.",
        "Typed a full page in English using the laptop.",
        "Needed help with buttons after PE; practising at home as agreed.",
    ],
}

PRIMARY_OBSERVATIONS = {
    L: ["Completed the phonics session with good blending of four-sound words."],
    S: ["Joined the playground game with the lunchtime supervisor's help and stayed calm."],
}

SECONDARY_OBSERVATIONS = {
    L: ["Homework handed in on time for four subjects this week, using the planner."],
    S: ["Used the exit card once in science and returned within ten minutes."],
    C: ["Managed the room change between lessons using the printed timetable."],
}

GENERAL_OBSERVATIONS = [
    "Good week overall; parents report the same at home.",
    "Missed two sessions through absence; caught up in the next one.",
    "Session moved because of the school trip; made up the next day.",
    "Worked well with the supply teacher using the one-page profile.",
]

# --- Review ------------------------------------------------------------------------------------------

ATTENDEES = [
    "SENCO, {teacher}, Mum and the pupil (for the first part)",
    "SENCO, {teacher}, both parents",
    "{Teacher}, teaching assistant, Dad; the pupil's views gathered beforehand",
    "SENCO, {teacher}, Mum; speech and language therapist by phone",
    "SENCO, {teacher}, a parent and the pupil",
    "SENCO, Mum, the pupil; {teacher}'s report read out",
]

ATTENDEES_WITHOUT_PARENTS = [
    "SENCO and {teacher}; parents sent their views by email",
    "SENCO, {teacher} and the pupil; parents spoken to by phone afterwards",
]

IMPACT = {
    "good": [
        "The sessions have made a clear difference: progress in the targets is well above the start of the cycle.",
        "Strong impact: the pupil is using the strategies in class without prompting.",
        "Good progress in the intervention group, now showing in class work.",
    ],
    "mixed": [
        "Some progress: targets partly met; attendance at sessions was affected by absence.",
        "The strategies help in class; the small-group work needs more time to show impact.",
        "Progress in one target, slower in the others; the plan continues with changes.",
    ],
    "poor": [
        "Little progress despite regular sessions; the gap with peers has not closed.",
        "The provision has not had the impact hoped for; advice from outside the school is needed.",
        "Progress is very slow and the pupil needs more support than the school can give alone.",
    ],
}

REVIEW_PUPIL_VIEWS = {
    C: [
        "Feels happier at lunchtime and has a new friend in the club.",
        "Finds the help card useful but is embarrassed to use it in front of others.",
        "Likes knowing what is happening next from the board.",
    ],
    L: [
        "Says the group sessions are fun and reading is 'a bit easier now'.",
        "Says maths is still hard but the number line helps.",
        "Proud of the spelling scores; wants new words to learn.",
    ],
    S: [
        "Likes the calm space and the morning check-in; wants to keep them.",
        "Says school feels 'less scary' since the check-ins started.",
        "Would like fewer sessions out of class so as not to miss art.",
    ],
    P: [
        "Says the laptop makes writing much quicker.",
        "Likes the ear defenders in assembly but not in class.",
        "Says the enlarged sheets help and wants them in every lesson.",
    ],
}

REVIEW_PARENT_VIEWS = {  # by the impact of the provision
    "good": [
        "Mum is pleased with progress and sees more confidence at home.",
        "Parents feel the sessions are helping and want them to continue.",
        "Parents report calmer mornings since the check-in started.",
        "Parents say the same strategies are working at home.",
    ],
    "mixed": [
        "Mum asked for more ideas to support reading at home; a pack was sent.",
        "Parents agree with the plan and will keep practising the targets.",
        "Dad sees some progress and would like more regular updates by email.",
        "Parents are pleased with the small-group work but worried about homework.",
    ],
    "poor": [
        "Dad is worried that progress is slow and asked about further assessment.",
        "Parents would like a referral to an outside agency and support the request.",
        "Mum feels the pupil needs more help than the school can give and asked about an EHC plan.",
    ],
}

NEXT_STEPS = {
    "continue": [
        "Continue the intervention with new targets; review the timetable so sessions do not clash with PE.",
        "Carry forward the targets not yet met; add a new outcome for independence.",
        "Keep the strategies in class; reduce adult support gradually.",
        "New cycle: focus on transferring skills from the group into class work.",
    ],
    "step_down": [
        "Strategies stay in the one-page profile for all staff; progress checked at the next data point.",
        "Parents to let the class teacher know of any worries; the pupil can return to SEN support if needed.",
    ],
    "request_ehc": [
        "SENCO to complete the request for an EHC needs assessment with parents this week.",
        "Gather advice from the educational psychologist and the speech and language therapist for the request.",
    ],
}

CONTINUE_REASONS = {  # by the impact of the provision
    "good": [
        "Good progress; new targets set to build on it.",
        "Progress made, but needs remain; the plan continues with new targets.",
    ],
    "mixed": [
        "Targets partly met; more time needed with the same provision.",
        "Some progress; the provision is changed for the targets not yet met.",
    ],
    "poor": [
        "Little progress; the SENCO will seek outside advice during the next cycle.",
    ],
}

REQUEST_EHC_REASONS = [
    (
        "Needs persist despite two years of SEN support and outside advice; "
        "an EHC needs assessment is requested with parents."
    ),
    "The provision the pupil needs goes beyond what the school can make from its own resources.",
    "Little progress over several cycles despite specialist advice; parents agree to request an EHC needs assessment.",
]

RATING_NOTES = {
    "not_achieved": [
        "Not yet: still needs full adult support.",
        "Little change since the start of the cycle.",
        "Sessions were missed through absence; not achieved.",
    ],
    "partly_achieved": [
        "Partly: achieved with prompting, not yet independently.",
        "Good progress but short of the success criteria.",
        "Achieved in the group, not yet in class.",
    ],
    "achieved": [
        "Achieved: seen consistently in class.",
        "Met the success criteria at the last two checks.",
        "Achieved; parents see it at home too.",
    ],
    "exceeded": [
        "Exceeded: now doing this without any prompts.",
        "Well beyond the criteria; new target set.",
    ],
}


# --- Meetings with parents (CoP 6.65) ---------------------------------------------------------------

MEETING_ATTENDEES = [
    "{Teacher}, Mum and the pupil",
    "{Teacher} and both parents",
    "{Teacher} and Dad; the pupil joined for the last ten minutes",
    "{Teacher}, teaching assistant and Mum",
    "{Teacher}, a parent and the SENCO",
    "{Teacher} and a carer",
]

MEETING_PUPIL_VIEWS = [
    "Likes the small-group sessions and says they help; finds busy lessons harder.",
    "Says reading is getting easier and wants to choose their own books.",
    "Enjoys the movement breaks and would like them before maths too.",
    "Feels settled in class; worries about changes to the timetable.",
    "Says the visual timetable helps; would like a quiet place to go at lunchtime.",
    "Proud of the progress in writing; finds homework hard to start.",
    "Gathered beforehand with a talking mat: happiest in practical lessons.",
    None,
]

# Why the pupil's views could not be gathered for a meeting (CoP 6.65 to 6.71 ask for them).
MEETING_VIEWS_NOT_GATHERED = [
    (
        "The pupil was absent that week; "
        "the class teacher will ask them in school and add their views to the next meeting."
    ),
    "The pupil did not want to take part this time; their key adult will try again with a talking mat.",
    "A short phone call about one worry: the pupil's views will be gathered for the review.",
]

MEETING_OUTCOMES = [
    "Progress since the last meeting shared; parents pleased with the reading sessions. The plan carries on.",
    "Agreed that the current strategies are working at school and will be tried at home as well.",
    "Parents raised worries about mornings; a meet-and-greet on arrival agreed for the rest of the term.",
    "Went through the targets: one met, one partly met. Agreed to keep the focus on independent work.",
    "Parents report the pupil is calmer at home. Agreed to keep the home-school book going.",
    "Shared the latest assessments; parents asked about support for homework, which was agreed.",
    "Talked through the move to the next stage of the plan; parents happy with the approach.",
]

MEETING_ACTIONS = [
    "Class teacher to send home the word lists weekly; parents to read with the pupil three times a week.",
    "Class teacher to share the visual timetable for home; next meeting next term.",
    "SENCO to be told of the parents' worries; class teacher to check in by phone in four weeks.",
    "Parents to send in the new glasses; class teacher to review seating.",
    "Homework club offered on Tuesdays; parents to confirm.",
    "Class teacher to update the pupil passport and send a copy home.",
    None,
]

# --- Filling in the phase ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TextBook:
    """The wording for one phase, with `{teacher}` filled in."""

    outcomes: dict[AreaOfNeed, list[tuple[str, str]]]
    provision: dict[AreaOfNeed, list[str]]
    observations: dict[AreaOfNeed, list[str]]
    responsibilities: list[str]
    attendees: list[str]
    attendees_without_parents: list[str]
    meeting_attendees: list[str]

    @classmethod
    def for_phase(cls, phase: Phase) -> TextBook:
        primary = phase is Phase.PRIMARY
        teacher = "the class teacher" if primary else "the form tutor"

        def fill(texts: list[str]) -> list[str]:
            return [t.format(teacher=teacher, Teacher=teacher[0].upper() + teacher[1:]) for t in texts]

        def merge(common: dict, for_primary: dict, for_secondary: dict) -> dict:
            extra = for_primary if primary else for_secondary
            return {area: common[area] + extra.get(area, []) for area in common}

        return cls(
            outcomes=merge(OUTCOMES, PRIMARY_OUTCOMES, SECONDARY_OUTCOMES),
            provision=merge(PROVISION, PRIMARY_PROVISION, SECONDARY_PROVISION),
            observations=merge(OBSERVATIONS, PRIMARY_OBSERVATIONS, SECONDARY_OBSERVATIONS),
            responsibilities=fill(RESPONSIBILITIES),
            attendees=fill(ATTENDEES),
            attendees_without_parents=fill(ATTENDEES_WITHOUT_PARENTS),
            meeting_attendees=fill(MEETING_ATTENDEES),
        )


def age_text(months: int) -> str:
    """An age in years and months as schools write it: 6y2m."""
    return f"{months // 12}y{months % 12}m"
