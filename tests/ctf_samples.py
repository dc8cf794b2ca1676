"""Common Transfer Files for tests: builders of a file and of its pupils, hand-written files of each
version, and hostile files. A plain module (not a test file) that any test may import.

`ctf_xml(pupil_xml(...), pupil_xml(...))` builds a file; `many_pupils(2000)` a large one. The
hand-written files below are literal text so that each test reads what a real file would hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from sentrack.workflows.upn import check_letter

SOURCE = ("820", "1234", "100001")
DESTINATION = ("820", "5678", "100002")


def sample_upn(number: int, la: str = "820") -> str:
    """A valid permanent UPN, distinct for each `number` (below a billion)."""
    rest = f"{la}{number:09d}"
    return check_letter(rest) + rest


def _tag(tag: str, value: object | None) -> str:
    return "" if value is None else f"<{tag}>{escape(str(value))}</{tag}>"


def contact_xml(
    *,
    order: int | None = 1,
    title: str | None = "Mrs",
    surname: str = "Smith",
    forename: str = "Ann",
    relationship: str | None = "PAM",
    responsibility: str | None = "true",
    address_as_pupil: bool = True,
    address_xml: str = "",
    phones: Sequence[str | tuple[str | None, str]] = ("07700900000",),
    email: str | None = "ann@example.org",
) -> str:
    """A <Contact>; each phone a number (a mobile) or (TelephoneType, number), None for no type."""
    typed = [phone if isinstance(phone, tuple) else ("M", phone) for phone in phones]
    phone_xml = "".join(
        f"<Phone>{_tag('TelephoneType', kind)}{_tag('PhoneNo', number)}</Phone>" for kind, number in typed
    )
    return (
        "<Contact>"
        + _tag("Order", order)
        + _tag("Title", title)
        + _tag("Surname", surname)
        + _tag("Forename", forename)
        + _tag("Relationship", relationship)
        + _tag("Responsibility", responsibility)
        + ("<AddressAsPupil>true</AddressAsPupil>" if address_as_pupil else "")
        + address_xml
        + (f"<Phones>{phone_xml}</Phones>" if phones else "")
        + _tag("Email", email)
        + "</Contact>"
    )


ADDRESS_XML = (
    "<Address><BS7666Address><PAON>1</PAON><Street>High St</Street><Town>Bedford</Town></BS7666Address>"
    "<PostCode>MK40 1AA</PostCode></Address>"
)


def pupil_xml(
    *,
    upn: str | None = None,
    surname: str | None = "SMITH",
    forename: str | None = "JO",
    dob: str | None = "2015-05-01",
    sex: str | None = "F",
    year: str | None = "5",
    sen: Iterable[tuple[str | None, str]] = (("2023-09-05", "K"),),
    needs: Iterable[tuple[object, str]] = ((1, "SLCN"),),
    contacts: Sequence[str] | None = None,
    sex_tag: str = "Sex",
    former_upn: str | None = None,
    preferred_surname: str | None = None,
    preferred_forename: str | None = None,
    middle_names: str | None = None,
    address: str | None = ADDRESS_XML,
    entry_date: str | None = "2019-09-04",
    extra: str = "",
) -> str:
    """One <Pupil>. `upn` defaults to a valid one; `contacts` to one mother at the pupil's address
    (pass () for none); `address` and `entry_date` None leave their blocks out."""
    details = (
        _tag("FormerUPN", former_upn)
        + _tag("PreferredSurname", preferred_surname)
        + _tag("PreferredForename", preferred_forename)
        + _tag("MiddleNames", middle_names)
        + _tag("NCyearActual", year)
    )
    sen_xml = "".join(f"<SEN>{_tag('StartDate', start)}{_tag('SENprovision', code)}</SEN>" for start, code in sen)
    need_xml = "".join(f"<SENneed>{_tag('SENtypeRank', rank)}{_tag('SENtype', kind)}</SENneed>" for rank, kind in needs)
    if need_xml:
        sen_xml += f"<SENneeds>{need_xml}</SENneeds>"
    contact_items = (contact_xml(),) if contacts is None else contacts
    history = (
        f"<SchoolHistory><School><LEA>{SOURCE[0]}</LEA><Estab>{SOURCE[1]}</Estab>"
        f"<SchoolName>Example Primary</SchoolName>{_tag('EntryDate', entry_date)}</School></SchoolHistory>"
        if entry_date
        else ""
    )
    return (
        "<Pupil>"
        + _tag("UPN", sample_upn(1) if upn is None else upn)
        + _tag("Surname", surname)
        + _tag("Forename", forename)
        + _tag("DOB", dob)
        + _tag(sex_tag, sex)
        + (f"<BasicDetails>{details}</BasicDetails>" if details else "")
        + (f"<SENhistory>{sen_xml}</SENhistory>" if sen_xml else "")
        + (address or "")
        + (f"<Contacts>{''.join(contact_items)}</Contacts>" if contact_items else "")
        + history
        + extra
        + "</Pupil>"
    )


def ctf_xml(
    *pupils_xml: str,
    version: str = "25.0",
    sex_tag: str = "Sex",
    source: tuple[str | None, str | None, str | None] = SOURCE,
    dest: tuple[str | None, str | None, str | None] = DESTINATION,
    school_name: str = "Example Primary",
    academic_year: str = "2025",
    created: str = "2026-03-04T10:15:00",
    qualifier: str = "full",
    supplier: str = "ExampleMIS",
    root: str = "CTfile",
    namespace: str | None = None,
) -> bytes:
    """A whole file around `pupils_xml` (each a <Pupil> from `pupil_xml`; with none given, one
    default pupil written with `sex_tag`)."""
    pupils = pupils_xml or (pupil_xml(sex_tag=sex_tag),)
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    header = (
        "<Header><DocumentName>Common Transfer File</DocumentName>"
        + _tag("CTFversion", version)
        + _tag("DateTime", created)
        + _tag("DocumentQualifier", qualifier)
        + _tag("SupplierID", supplier)
        + "<SourceSchool>"
        + _tag("LEA", source[0])
        + _tag("Estab", source[1])
        + _tag("URN", source[2])
        + _tag("SchoolName", school_name)
        + _tag("AcademicYear", academic_year)
        + "</SourceSchool><DestSchool>"
        + _tag("LEA", dest[0])
        + _tag("Estab", dest[1])
        + _tag("URN", dest[2])
        + "</DestSchool></Header>"
    )
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{xmlns}>{header}'
        f"<CTFpupilData>{''.join(pupils)}</CTFpupilData></{root}>\n"
    )
    return text.encode("utf-8")


_SURNAMES = ("SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "PATEL", "WRIGHT")
_FORENAMES = ("AMELIA", "OLIVER", "ISLA", "GEORGE", "AVA", "NOAH", "MIA", "ARTHUR", "IVY", "LEO")
_NEEDS = ("SLCN", "SEMH", "ASD", "MLD", "SPLD")


def many_pupils(n: int, dest: tuple[str | None, str | None, str | None] = DESTINATION, *, first: int = 1) -> bytes:
    """A file of `n` pupils with distinct valid UPNs (numbered from `first`) and distinct names
    and dates of birth; every fifth pupil is on SEN support with one need, every tenth has an EHC
    plan with two."""
    pupils = []
    for number in range(first, first + n):
        sen: tuple[tuple[str, str], ...] = (("2023-09-05", "N"),)
        needs: tuple[tuple[int, str], ...] = ()
        if number % 10 == 0:
            sen, needs = (("2022-09-06", "K"), ("2024-01-15", "E")), ((1, "ASD"), (2, "SLCN"))
        elif number % 5 == 0:
            sen, needs = (("2023-09-05", "K"),), ((1, _NEEDS[number % len(_NEEDS)]),)
        pupils.append(
            pupil_xml(
                upn=sample_upn(number),
                surname=f"{_SURNAMES[number % 10]}-{number}",
                forename=_FORENAMES[(number // 10) % 10],
                dob=f"{2012 + number % 7}-{1 + number % 12:02d}-{1 + number % 28:02d}",
                sex="MF"[number % 2],
                year=str(1 + number % 6),
                sen=sen,
                needs=needs,
            )
        )
    return ctf_xml(*pupils, dest=dest)


# --- Hand-written files ---------------------------------------------------------------------------

CTF_23_GENDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>23.0</CTFversion>
    <DateTime>2023-11-20T09:00:00</DateTime>
    <DocumentQualifier>partial</DocumentQualifier>
    <SupplierID>OlderMIS</SupplierID>
    <SourceSchool><LEA>820</LEA><Estab>1234</Estab><URN>100001</URN>
      <SchoolName>Example Primary</SchoolName><AcademicYear>2023</AcademicYear></SourceSchool>
    <DestSchool><LEA>820</LEA><Estab>5678</Estab><URN>100002</URN></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>E820123456789</UPN>
      <Surname>BAKER</Surname>
      <Forename>SAM</Forename>
      <DOB>2016-02-29</DOB>
      <Gender>M</Gender>
    </Pupil>
  </CTFpupilData>
</CTfile>
"""

CTF_24_GENDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>24.0</CTFversion>
    <DateTime>2024-10-01T14:30:00</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SupplierID>OlderMIS</SupplierID>
    <SourceSchool><LEA>820</LEA><Estab>1234</Estab><URN>100001</URN>
      <SchoolName>Example Primary</SchoolName><AcademicYear>2024</AcademicYear></SourceSchool>
    <DestSchool><LEA>820</LEA><Estab>5678</Estab><URN>100002</URN></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>e820 1234 56789</UPN>
      <Surname>COLE</Surname>
      <Forename>RUBY</Forename>
      <DOB>03/07/2017</DOB>
      <Gender>f</Gender>
      <BasicDetails><NCyearActual>R</NCyearActual></BasicDetails>
      <SENhistory>
        <SEN><StartDate>2024-09-10</StartDate><SENprovision>k</SENprovision></SEN>
        <SENneeds><SENneed><SENtypeRank>1</SENtypeRank><SENtype>nsa</SENtype></SENneed></SENneeds>
      </SENhistory>
    </Pupil>
  </CTFpupilData>
</CTfile>
"""

CTF_24_SEX = CTF_24_GENDER.replace(b"<Gender>f</Gender>", b"<Sex>F</Sex>")

# CTF 25 with every field SEN Track reads, BS7666 addresses and two schools in the history.
CTF_25_FULL = b"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>25.0</CTFversion>
    <DateTime>2026-03-04T10:15:00</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SupplierID>ExampleMIS</SupplierID>
    <SourceSchool><LEA>820</LEA><Estab>1234</Estab><URN>100001</URN>
      <SchoolName>Example Primary</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
    <DestSchool><LEA>820</LEA><Estab>5678</Estab><URN>100002</URN></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>E820123456789</UPN>
      <UniqueLearnerNumber>1234567890</UniqueLearnerNumber>
      <Surname>SMITH</Surname>
      <Forename>JO</Forename>
      <DOB>2015-05-01</DOB>
      <Sex>F</Sex>
      <BasicDetails>
        <FormerUPN>N820000000001</FormerUPN>
        <PreferredSurname>Smith-Jones</PreferredSurname>
        <FormerSurname>Jones</FormerSurname>
        <PreferredForename>Jo</PreferredForename>
        <MiddleNames>Anne Marie</MiddleNames>
        <NCyearActual>5</NCyearActual>
        <Ethnicity>WBRI</Ethnicity>
      </BasicDetails>
      <SENhistory>
        <SEN><StartDate>2021-09-06</StartDate><SENprovision>K</SENprovision></SEN>
        <SEN><StartDate>2024-01-15</StartDate><SENprovision>E</SENprovision></SEN>
        <SENneeds>
          <SENneed><SENtypeRank>2</SENtypeRank><SENtype>SPLD</SENtype></SENneed>
          <SENneed><SENtypeRank>1</SENtypeRank><SENtype>SLCN</SENtype></SENneed>
        </SENneeds>
      </SENhistory>
      <Address>
        <BS7666Address><SAON>Flat 2</SAON><PAON>1</PAON><Street>High St</Street>
          <Locality>Castle</Locality><Town>Bedford</Town></BS7666Address>
        <County>Bedfordshire</County>
        <PostCode>MK40 1AA</PostCode>
        <Country>GBR</Country>
      </Address>
      <Contacts>
        <Contact>
          <Order>1</Order><Title>Mrs</Title><Surname>Smith</Surname><Forename>Ann</Forename>
          <Relationship>PAM</Relationship><Responsibility>true</Responsibility>
          <AddressAsPupil>true</AddressAsPupil>
          <Phones>
            <Phone><TelephoneType>M</TelephoneType><PhoneNo>07700 900000</PhoneNo></Phone>
            <Phone><TelephoneType>H</TelephoneType><PhoneNo>01234 567890</PhoneNo></Phone>
          </Phones>
          <Email>ann@example.org</Email>
        </Contact>
        <Contact>
          <Order>2</Order><Surname>Jones</Surname><Forename>Mark</Forename>
          <Relationship>PAF</Relationship><Responsibility>false</Responsibility>
          <Address><AddressLines><AddressLine1>4 Mill Lane</AddressLine1><AddressLine2>Luton</AddressLine2>
            </AddressLines><PostCode>LU1 2AB</PostCode></Address>
        </Contact>
      </Contacts>
      <SchoolHistory>
        <School><LEA>820</LEA><Estab>1234</Estab><SchoolName>Example Primary</SchoolName>
          <EntryDate>2019-09-04</EntryDate><LeavingDate>2026-03-03</LeavingDate></School>
        <School><LEA>820</LEA><Estab>5678</Estab><SchoolName>Example Academy</SchoolName>
          <EntryDate>2017-01-09</EntryDate></School>
        <School><LEA>821</LEA><Estab>9999</Estab><SchoolName>Another School</SchoolName>
          <EntryDate>2016-09-05</EntryDate><LeavingDate>2016-12-20</LeavingDate></School>
      </SchoolHistory>
    </Pupil>
  </CTFpupilData>
</CTfile>
"""

# A pupil with only what a partial CTF must carry: no BasicDetails, SEN, address, contacts or
# school history.
CTF_25_BARE = b"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>25.0</CTFversion>
    <DateTime>2026-03-04T10:15:00</DateTime>
    <DocumentQualifier>partial</DocumentQualifier>
    <SupplierID>ExampleMIS</SupplierID>
    <SourceSchool><LEA>820</LEA><Estab>1234</Estab><URN>100001</URN>
      <SchoolName>Example Primary</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
    <DestSchool><LEA>820</LEA><Estab>5678</Estab><URN>100002</URN></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil><UPN>E820123456789</UPN><Surname>SMITH</Surname><Forename>JO</Forename>
      <DOB>2015-05-01</DOB><Sex>F</Sex></Pupil>
  </CTFpupilData>
</CTfile>
"""

# --- Hostile and broken files ---------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CTfile><Header><CTFversion>25.0</CTFversion></Header>
<CTFpupilData><Pupil><UPN>E820123456789</UPN><Surname>&lol9;</Surname></Pupil></CTFpupilData></CTfile>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<CTfile><Header><CTFversion>25.0</CTFversion></Header>
<CTFpupilData><Pupil><UPN>E820123456789</UPN><Surname>&secret;</Surname></Pupil></CTFpupilData></CTfile>
"""

# A DTD alone, with no entity: still refused, since a CTF never carries one.
DTD_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile SYSTEM "http://example.org/ctf.dtd">
<CTfile><Header><CTFversion>25.0</CTFversion></Header><CTFpupilData/></CTfile>
"""

NOT_XML = b"UPN,Surname,Forename\nE820123456789,SMITH,JO\n"

TRUNCATED = CTF_25_BARE[: len(CTF_25_BARE) // 2]

WRONG_ROOT = b"""<?xml version="1.0" encoding="UTF-8"?>
<SchoolCensus><Header><CTFversion>25.0</CTFversion></Header></SchoolCensus>
"""

ADMISSIONS_FILE = CTF_25_BARE.replace(b"<CTfile>", b"<ATfile>").replace(b"</CTfile>", b"</ATfile>")

NO_HEADER = b"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile><CTFpupilData><Pupil><UPN>E820123456789</UPN></Pupil></CTFpupilData></CTfile>
"""


def oversized(megabytes: int = 21) -> bytes:
    """A well-formed CTF padded with a comment to `megabytes` MB: refused for its size alone."""
    body = ctf_xml()
    opening, closing = b"<!--", b"-->\n"
    padding = megabytes * 1024 * 1024 - len(body) - len(opening) - len(closing)
    return body + opening + b"x" * padding + closing
