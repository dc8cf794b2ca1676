"""Names and wording for the demo data.

Every name here is a common given name or surname, picked so that a demo roll looks like a school
in England today; put together at random they describe nobody. Free text (medical notes, reasons,
concerns) is generic and never names a person.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sentrack.models.enums import AreaOfNeed, NeedType

# --- People ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameGroup:
    """Names that go together in families, in roughly the share of England's pupils they stand
    for (`weight`): a pupil's surname, most first names and the family's adults come from one."""

    weight: float
    children: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[str, ...]
    # The first boy's name in `children`: the girls' names come before it, the boys' from it.
    boys_from: str = ""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def ascii_word(text: str) -> str:
    """`text` as a word fit for an email address or a domain name: lower case ASCII, accents
    dropped, spaces as hyphens."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]", "", plain.lower().replace(" ", "-"))


BRITISH_AND_IRISH = NameGroup(
    weight=66,
    children=_words("""
        Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya Florence
        Emily Ella Poppy Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Sophie Alice Harper
        Matilda Ruby Emilia Maya Millie Isabelle Luna Esme Chloe Erin Bonnie Hallie Eliza Thea
        Aria Maisie Penelope Violet Lottie Layla Mila Harriet Elizabeth Ellie Jessica Lucy Hannah
        Holly Amber Imogen Molly Scarlett Lola Nancy Orla Robyn Beatrice Clara Niamh Aoife Ciara
        Roisin Caoimhe Eilidh Catrin Seren Ffion Megan Cerys Elin Oliver George Noah Arthur Leo
        Oscar Harry Archie Jack Henry Charlie Freddie Theodore Thomas Finley Theo Alfie Jacob
        William Isaac Tommy Lucas Alexander Edward James Joshua Max Mason Teddy Reuben Louie Albert
        Hugo Elijah Rory Harrison Sebastian Jude Daniel Benjamin Ezra Ethan Logan Toby Joseph
        Samuel Ryan Nathan Aaron Tyler Owen Luke Caleb Felix Ellis Reggie Frederick Stanley Frankie
        Bobby Ralph Otis Ronnie Sonny Tobias Gabriel Nico Mateo Elias Kian Rafael Liam Cian Oisin
        Conor Ronan Callum Lewis Euan Finlay Angus Rhys Dylan Osian Gethin Tomos Adam
    """),
    women=_words("""
        Sarah Emma Claire Rachel Laura Nicola Lisa Joanne Kelly Gemma Hayley Victoria Rebecca Katie
        Amy Zoe Helen Louise Natalie Stacey Jennifer Michelle Samantha Catherine Kirsty Danielle
        Jade Anna Karen Donna Tracey Julie Angela Lindsey Fiona Alison Ruth Sharon Siobhan Mairead
        Bronwen Rhiannon Charlotte Hannah Lucy Sophie
    """),
    men=_words("""
        David Paul Mark Andrew Richard Stephen Michael Christopher Matthew Daniel James Robert Simon
        Gareth Craig Lee Darren Wayne Jason Neil Ian Gary Martin Peter Jonathan Adam Ben Tom Chris
        Rob Steve Liam Sean Declan Dafydd Huw Alasdair Fraser
    """),
    surnames=_words("""
        Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
        Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood
        Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James
        Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter
        Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Marshall Anderson Simpson
        Ellis Adams Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Hunt Campbell Matthews
        Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins
        Murray Dixon Harvey Graham Pearson Fletcher Walsh Gibson Howard Andrews Stewart Elliott
        Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley
        Spencer Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong
        Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh
        Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton
        Oliver Reed Kennedy Williamson Bird Gardner Dean Lane Cooke Bates Henderson Parry Burgess
        Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton
        Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins
        Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon
        Doyle Wallace George Jordan Hutchinson Quinn Gallagher Doherty Kerr Fraser Cameron MacLeod
        Sinclair Llewellyn Pritchard Vaughan Bowen Howells Thomson
    """),
    boys_from="Oliver",
)

NAME_GROUPS: tuple[NameGroup, ...] = (
    BRITISH_AND_IRISH,
    NameGroup(  # Pakistani, Bangladeshi and other Muslim South Asian families
        weight=8,
        children=_words("""
            Maryam Aisha Fatima Amira Hafsa Khadija Zainab Safa Inaya Hana Anaya Aleena Eman Noor
            Zoya Mariam Ayesha Muhammad Ibrahim Yusuf Ayaan Zayn Omar Ali Hamza Bilal Idris
            Zakariya Yahya Ismail Rayyan Musa Haroon Arham Adam
        """),
        women=_words("Nadia Yasmin Shabana Nasreen Farah Ayesha Sana Parveen Rukhsana Salma Shazia"),
        men=_words("Mohammed Imran Asif Tariq Nadeem Shahid Khalid Faisal Amir Yasir Zubair Kamran Sajid"),
        surnames=_words("""
            Khan Ali Hussain Ahmed Rahman Chowdhury Miah Uddin Islam Akhtar Iqbal Mahmood Aziz
            Malik Qureshi Begum Butt Javed Rashid Siddiqui Anwar
        """),
        boys_from="Muhammad",
    ),
    NameGroup(  # Indian, Hindu and Sikh families
        weight=5,
        children=_words("""
            Riya Priya Diya Saanvi Ananya Simran Jasleen Harleen Gurleen Navneet Anika Aditi Kavya
            Jasmeet Meera Tara Aarav Arjun Vihaan Reyansh Krishna Rohan Dev Kabir Harjeet Gurpreet
            Manveer Jaskaran Arman Samir Ishaan Rajveer Tejas Nikhil
        """),
        women=_words("Reena Anita Sunita Kiran Manjit Harpreet Rupinder Sukhwinder Neha Pooja Deepa Priti"),
        men=_words("Rajesh Sanjay Anil Vikram Sunil Rakesh Harjit Kulwinder Jaswinder Baljit Amit Ravi"),
        surnames=_words("""
            Patel Singh Kaur Sharma Kumar Mistry Chauhan Joshi Mehta Desai Gupta Sandhu Dhillon Gill
            Bains Sidhu Virdi Johal Grewal Shah Parmar Solanki Bhatt
        """),
        boys_from="Aarav",
    ),
    NameGroup(  # Black African families
        weight=5,
        children=_words("""
            Chiamaka Adaeze Ifeoma Zuri Abena Ama Esi Folake Ayomide Temitope Precious Blessing
            Amara Favour Esther Deborah Divine Kwame Kofi Kojo Yaw Chidi Emeka Tobenna Obinna Olumide
            Tunde Femi Dayo Segun David Samuel Joshua Daniel
        """),
        women=_words("Ngozi Funmilayo Adaora Abimbola Grace Yetunde Efua Akosua Blessing Chioma Esther Joy"),
        men=_words("Chukwuma Oluwaseun Babatunde Kwabena Kofi Emmanuel Samuel Chinedu Kwame Olu Yaw Isaac"),
        surnames=_words("""
            Okafor Okonkwo Adeyemi Adebayo Oladipo Mensah Owusu Boateng Asante Appiah Osei Nwosu Eze
            Obi Adeleke Okoro Bello Danso Agyeman Ogunleye
        """),
        boys_from="Kwame",
    ),
    NameGroup(  # Black Caribbean families
        weight=3,
        children=_words("""
            Shanice Tiana Aaliyah Jada Keisha Nia Imani Kayla Makayla Zara Tyrese Marcus Andre
            Malik Jamal Kai Jayden Dwayne Leon Jerome Jordan Elijah Isaiah
        """),
        women=_words("Chantelle Marcia Andrea Sonia Paulette Beverley Sharon Janice Donna Natasha"),
        men=_words("Delroy Winston Clive Trevor Marlon Errol Carlton Lloyd Dwight Lennox"),
        surnames=_words("""
            Campbell Williams Brown Thomas Johnson Robinson Gayle Mullings Bryan Francis Clarke
            Walker Grant Reid Morgan Lewis Henry Gordon
        """),
        boys_from="Tyrese",
    ),
    NameGroup(  # Polish, Romanian and other Eastern European families
        weight=6,
        children=_words("""
            Oliwia Zuzanna Julia Hanna Lena Amelie Wiktoria Alicja Maja Natalia Antonia Ioana Elena
            Bianca Daria Sara Emilia Laura Kacper Jakub Szymon Filip Antoni Mateusz Oskar Andrei
            Luca Matei Stefan David Mihai Dominik Nikola
        """),
        women=_words("Agnieszka Katarzyna Magdalena Joanna Ewa Monika Alina Mihaela Raluca Anna Marta Elena"),
        men=_words("Tomasz Piotr Marcin Krzysztof Pawel Bogdan Florin Adrian Lukasz Ionut Marius Andrzej"),
        surnames=_words("""
            Nowak Kowalski Wisniewski Wojcik Kaminski Lewandowski Zielinski Popescu Ionescu Popa
            Dumitru Stan Kowalczyk Mazur Krawczyk Constantin Georgescu Rusu Petrov Horvath
        """),
        boys_from="Kacper",
    ),
    NameGroup(  # Turkish, Kurdish, Arab and Somali families
        weight=3,
        children=_words("""
            Leyla Elif Zeynep Defne Meryem Ayan Hodan Sahra Amina Layan Nour Emir Yunus Kerem Mert
            Baran Can Hamza Abdirahman Mohamed Khalid Yousef Sami
        """),
        women=_words("Ayse Fatma Emine Hodan Fadumo Amina Leila Rania Hala Zehra"),
        men=_words("Mehmet Mustafa Huseyin Abdi Abdullahi Omar Ahmed Karim Hassan Ali"),
        surnames=_words("""
            Yilmaz Demir Kaya Celik Ozturk Aksoy Arslan Abdi Mohamed Hassan Warsame Farah Aden Osman
            Haddad Mansour Nasser Ibrahim
        """),
        boys_from="Emir",
    ),
    NameGroup(  # Chinese, Vietnamese and other East Asian families
        weight=2,
        children=_words("Mei Xin Yu Jia Anh Linh Chloe Emily Wei Hao Jun Ming Minh Ethan Lucas Ryan"),
        women=_words("Li Ying Hui Mei Xiu Lan Hoa Thu"),
        men=_words("Wei Jian Hong Ming Tuan Hung Jun"),
        surnames=_words("Nguyen Tran Chen Wang Zhang Liu Wong Lin Huang Li Le Pham Yang Zhou Wu"),
        boys_from="Wei",
    ),
)


def _child_sexes() -> dict[str, str]:
    sexes = {}
    for group in NAME_GROUPS:
        boys_from = group.children.index(group.boys_from) if group.boys_from else len(group.children)
        for index, name in enumerate(group.children):
            sexes[name] = "F" if index < boys_from else "M"
    return sexes


_CHILD_SEXES = _child_sexes()


def child_sex(first_name: str) -> str | None:
    """The sex (M or F, as the census codes it) a demo child's first name was drawn for; None
    for a name the demo does not know."""
    return _CHILD_SEXES.get(first_name)


# The share of pupils whose first name comes from another group than their family name.
MIXED_NAMES_RATE = 0.12

# Shortened names that pupils are often known by (shown as the preferred name).
PREFERRED_NAMES = {
    "Alexander": "Alex",
    "Benjamin": "Ben",
    "Charlotte": "Lottie",
    "Daniel": "Dan",
    "Edward": "Ed",
    "Elizabeth": "Lizzie",
    "Florence": "Flo",
    "Frederick": "Fred",
    "Isabella": "Bella",
    "Jessica": "Jess",
    "Joseph": "Joe",
    "Joshua": "Josh",
    "Matilda": "Tilly",
    "Muhammad": "Mo",
    "Nathan": "Nate",
    "Penelope": "Penny",
    "Samuel": "Sam",
    "Sebastian": "Seb",
    "Theodore": "Teddy",
    "Thomas": "Tom",
    "William": "Will",
    "Zakariya": "Zak",
}

# --- Schools and places ---------------------------------------------------------------------------

SCHOOL_PLACE_NAMES = [
    "Greenfield",
    "Hillside",
    "Meadowbank",
    "Riverside",
    "Oakwood",
    "Brookfield",
    "Ashdown",
    "Fairmead",
    "Kingsbridge",
    "Northgate",
    "Southfields",
    "Westbury",
    "Eastwood",
    "Highcliffe",
    "Longmead",
    "Millbrook",
    "Parkside",
    "Queensway",
    "Redhill",
    "Stonebridge",
    "Thornbury",
    "Underwood",
    "Valley",
    "Woodlands",
    "Beechcroft",
    "Castlefield",
    "Elmhurst",
    "Foxhill",
    "Goldington",
    "Hawthorn",
    "Ivybridge",
    "Juniper",
    "Larkrise",
    "Mapleton",
    "Newlands",
    "Orchard",
    "Pinewood",
    "Rosedale",
    "Sandringham",
    "Templeton",
    "Upton",
    "Victoria",
    "Willowbrook",
    "Yarrow",
    "Abbeyfield",
    "Bramley",
    "Chestnut",
    "Dovecote",
    "Edgewood",
    "Ferncliffe",
    "Glebe",
    "Harewood",
    "Ingleside",
    "Kingfisher",
    "Lindenfield",
    "Moorside",
    "Netherton",
    "Oldfield",
    "Pembroke",
    "Quarry",
    "Ravenscroft",
    "Shelford",
    "Tanners",
    "Uplands",
    "Vernon",
    "Whitecross",
    "Amberley",
    "Bishopsgate",
    "Canalside",
    "Dunmore",
    "Eldon",
    "Fieldway",
    "Grangewood",
    "Holmwood",
    "Islington",
    "Kestrel",
    "Lyndhurst",
    "Merrydale",
    "Norbury",
    "Oaklands",
    "Priory",
    "Ridgeway",
    "Saxon",
    "Tudor",
    "Vale",
    "Wellington",
    "Westfield",
    "Ashcombe",
    "Birchwood",
    "Coppice",
    "Deanfield",
    "Elmfield",
    "Forest",
    "Gorseland",
    "Heathfield",
    "Lakeside",
    "Marlowe",
    "Nightingale",
    "Parkfield",
    "Ridgeview",
    "Swallowfield",
    "Tollgate",
    "Woodside",
]

# Two distinct trees a year group, Reception to Year 6 ("R Ash", "R Beech", "1 Birch", ...).
CLASS_TREES = [
    "Ash",
    "Beech",
    "Birch",
    "Cedar",
    "Cherry",
    "Elm",
    "Hazel",
    "Holly",
    "Larch",
    "Maple",
    "Oak",
    "Rowan",
    "Willow",
    "Yew",
]

STREETS = [
    street.replace("_", " ")
    for street in [
        "Acacia_Road",
        "Albert_Street",
        "Beech_Grove",
        "Church_Lane",
        "Clarence_Road",
        "Elm_Close",
        "Station_Road",
        "High_Street",
        "Mill_Lane",
        "Park_Avenue",
        "Queen_Street",
        "Victoria_Road",
        "Kings_Road",
        "Orchard_Way",
        "Meadow_View",
        "Brook_Street",
        "Chapel_Row",
        "Windsor_Close",
        "Springfield_Road",
        "Hawthorn_Drive",
        "Manor_Way",
        "The_Crescent",
        "Grange_Road",
        "Cromwell_Terrace",
        "Oak_Tree_Walk",
        "Bridge_Street",
        "Market_Place",
        "Nelson_Street",
        "Raven_Court",
        "Lime_Avenue",
    ]
]

TOWN = "Demoton"

# --- Contacts -------------------------------------------------------------------------------------

# Who a pupil's contacts are, as (relationships, weight); the first is priority 1.
CONTACT_PATTERNS = [
    (("Mother", "Father"), 40),
    (("Mother",), 18),
    (("Father", "Mother"), 10),
    (("Mother", "Step-father"), 6),
    (("Mother", "Grandmother"), 7),
    (("Father",), 4),
    (("Father", "Grandmother"), 3),
    (("Grandmother",), 2),
    (("Grandmother", "Grandfather"), 2),
    (("Carer",), 2),
    (("Mother", "Aunt"), 3),
    (("Father", "Step-mother"), 3),
]

LOOKED_AFTER_CONTACT_PATTERNS = [
    (("Foster carer",), 4),
    (("Foster carer", "Mother"), 3),
    (("Foster carer", "Foster carer"), 2),
]

# The sex a relationship implies, for picking a plausible first name (None: either).
RELATIONSHIP_SEX = {
    "Mother": "f",
    "Step-mother": "f",
    "Grandmother": "f",
    "Aunt": "f",
    "Father": "m",
    "Step-father": "m",
    "Grandfather": "m",
    "Carer": None,
    "Foster carer": None,
}

# The chance that a contact of this relationship holds parental responsibility.
PARENTAL_RESPONSIBILITY = {
    "Mother": 0.99,
    "Father": 0.95,
    "Step-mother": 0.1,
    "Step-father": 0.1,
    "Grandmother": 0.25,
    "Grandfather": 0.25,
    "Aunt": 0.1,
    "Carer": 0.6,
    "Foster carer": 0.0,
}

# --- Pupils' records ------------------------------------------------------------------------------

MEDICAL_NOTES = [
    "Asthma: inhaler kept in class",
    "Asthma: reliever inhaler carried by the pupil; spare in the office",
    "Type 1 diabetes: care plan in office",
    "Epilepsy: seizure plan in office; staff trained in emergency medication",
    "Severe nut allergy: adrenaline pens in class and in the office",
    "Egg and milk allergy: kitchen informed; adrenaline pen in office",
    "Eczema: emollient cream applied before PE",
    "Coeliac disease: gluten-free meals arranged with the kitchen",
    "Hearing aids: radio aid used in lessons",
    "Wears glasses for close work",
    "Sickle cell disease: care plan in office; keep warm and hydrated",
    "Cystic fibrosis: enzymes taken with meals; care plan in office",
    "Migraines: may need to rest in the medical room",
    "Hay fever: antihistamine given by the office in summer term",
]

# --- SEN register ---------------------------------------------------------------------------------
# Primary need, as (need, weight in percent), shaped like the DfE's "Special educational needs in
# England" figures. NSA goes only with SEN support; EHC plans never carry it.

SEN_SUPPORT_NEEDS_PRIMARY = [
    (NeedType.SLCN, 24),
    (NeedType.SEMH, 20),
    (NeedType.MLD, 15),
    (NeedType.SPLD, 13),
    (NeedType.ASD, 9),
    (NeedType.OTH, 4),
    (NeedType.NSA, 4),
    (NeedType.PD, 3),
    (NeedType.HI, 1.5),
    (NeedType.VI, 1),
    (NeedType.SLD, 0.4),
    (NeedType.MSI, 0.2),
    (NeedType.PMLD, 0.1),
]

SEN_SUPPORT_NEEDS_SECONDARY = [
    (NeedType.SEMH, 24),
    (NeedType.SPLD, 20),
    (NeedType.MLD, 15),
    (NeedType.SLCN, 13),
    (NeedType.ASD, 10),
    (NeedType.OTH, 5),
    (NeedType.NSA, 4),
    (NeedType.PD, 3),
    (NeedType.HI, 2),
    (NeedType.VI, 1.5),
    (NeedType.SLD, 0.3),
    (NeedType.MSI, 0.2),
    (NeedType.PMLD, 0.1),
]

EHC_PLAN_NEEDS = [
    (NeedType.ASD, 33),
    (NeedType.SLCN, 20),
    (NeedType.SEMH, 14),
    (NeedType.SLD, 7),
    (NeedType.MLD, 7),
    (NeedType.PD, 5),
    (NeedType.SPLD, 3),
    (NeedType.HI, 2),
    (NeedType.VI, 2),
    (NeedType.OTH, 2),
    (NeedType.PMLD, 1),
    (NeedType.MSI, 0.5),
]

# Why a pupil was placed on SEN support, by primary need.
SEN_SUPPORT_REASONS = {
    NeedType.SPLD: "Assessment showed persistent difficulty with phonics despite targeted teaching",
    NeedType.MLD: "Attainment well below age-related expectations despite catch-up teaching",
    NeedType.SLD: "Educational psychologist's assessment showed significant learning difficulties",
    NeedType.PMLD: "Complex learning and physical needs identified by the early years team",
    NeedType.SEMH: "Observation and a wellbeing questionnaire showed that anxiety is limiting learning",
    NeedType.SLCN: "Speech and language therapist's assessment found delayed expressive language",
    NeedType.HI: "Audiology report of a moderate hearing loss; sensory support service advice received",
    NeedType.VI: "Vision impairment confirmed by the sensory support service",
    NeedType.MSI: "Multi-sensory impairment confirmed by the sensory support service",
    NeedType.PD: "Physiotherapy report: needs support with mobility and fine motor skills",
    NeedType.ASD: "Autism diagnosis; needs support with change and social communication",
    NeedType.OTH: "Needs arising from a long-term medical condition affect access to learning",
    NeedType.NSA: "Difficulties persisted after a term of targeted teaching; specialist assessment awaited",
}

CONTINUED_SEN_SUPPORT_REASON = "SEN support continued from the previous setting; needs confirmed by the SENCO"
EHC_PLAN_ISSUED_REASON = "EHC plan issued by the local authority"
EHC_PLAN_ON_ENTRY_REASON = "EHC plan issued by the local authority before the pupil joined the school"
STEPPED_DOWN_AT_REVIEW = "Stepped down from SEN support at the review: "  # as the app words it
STEP_DOWN_REASONS = [
    "Made good progress; needs met by quality-first teaching",
    "Outcomes met at review; parents agreed to step down from SEN support",
    "Reading age now in line with chronological age; progress to be checked at the next data point",
]

# --- Concerns -------------------------------------------------------------------------------------

CONCERN_DESCRIPTIONS = {
    AreaOfNeed.COMMUNICATION: [
        "Finds it hard to follow instructions of more than one step; watches others before starting.",
        "Speech is hard for unfamiliar adults to understand; becomes frustrated when not understood.",
        "Rarely joins in group discussion and answers in single words.",
        "Struggles with changes to routine; needs warning before transitions.",
        "Takes language literally and finds unstructured play times difficult.",
    ],
    AreaOfNeed.COGNITION: [
        "Reading is well behind the class despite phonics catch-up since the autumn.",
        "Has difficulty remembering number facts from one day to the next.",
        "Written work is much weaker than spoken answers; spelling is inconsistent.",
        "Needs a lot of adult support to start and finish independent tasks.",
        "Progress in maths has stalled this term despite small-group teaching.",
    ],
    AreaOfNeed.SEMH: [
        "Has become withdrawn in class and reluctant to come in most mornings.",
        "Frequent angry outbursts at lunchtime, usually after disagreements with peers.",
        "Shows signs of anxiety before tests and has asked to go home unwell several times.",
        "Finds it very hard to settle after break; often leaves the classroom.",
        "Attendance has dropped and work is often left unfinished.",
    ],
    AreaOfNeed.SENSORY_PHYSICAL: [
        "Often asks for things to be repeated and seems not to hear from the back of the room.",
        "Holds books very close and squints at the board.",
        "Handwriting is slow and tiring; struggles with scissors and buttons.",
        "Covers ears and becomes distressed in the hall and at assemblies.",
        "Trips and bumps into things more than peers; avoids PE.",
    ],
}

# Why closed concerns needed no further action, by area of need.
NO_FURTHER_ACTION_NOTES = {
    AreaOfNeed.COMMUNICATION: [
        "Observed in class over three weeks: joins in well in small groups. No further action; "
        "class teacher to keep parents informed.",
    ],
    AreaOfNeed.COGNITION: [
        "Short catch-up programme closed the gap; progress now in line with the class. No further action.",
        "Difficulties were linked to missed schooling after a house move and have settled. No further action.",
    ],
    AreaOfNeed.SEMH: [
        "Discussed with parents: behaviour has improved since lunchtime arrangements changed. No further action.",
        "Worries were linked to a family bereavement; pastoral support is in place. No further action.",
    ],
    AreaOfNeed.SENSORY_PHYSICAL: [
        "Hearing and vision checked by the school nurse and found normal. No further action.",
        "New glasses prescribed; now sees the board comfortably. No further action.",
    ],
}
