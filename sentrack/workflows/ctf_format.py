"""The Common Transfer File (CTF) as SEN Track reads and writes it: the parts of a file it uses,
as plain values, and the census code sets.

`ctf_read.read_ctf` turns a file into a `CtfFile`; `ctf_write.write_ctf` turns a `CtfFile` into
XML. Both follow the DfE's element names (CTF 23 to 25). Dates are `date`s; codes are kept as the
file writes them (upper case), so that a code SEN Track does not know can be named in a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# The CTF version SEN Track writes: the last two digits of the academic year's start, then ".0".
WRITTEN_VERSION = "25.0"
# The versions read: CTF 23 and 24 may carry <Gender> where CTF 25 carries <Sex>.
READ_VERSIONS = ("23", "24", "25")
# The largest file accepted, in bytes: a CTF of 2,000 pupils with full contacts is about 8 MB.
MAX_FILE_BYTES = 20 * 1024 * 1024

SEN_PROVISIONS = {"N": "No SEN", "K": "SEN support", "E": "EHC plan"}
# Older provisions a pupil's history may still hold: statement (S), School Action (A), School
# Action Plus (P). Read and kept in the import's record of the file, never stored as a status.
LEGACY_PROVISIONS = {"S": "Statement of SEN", "A": "School Action", "P": "School Action Plus"}

# Contact relationships (the census code list), with the words SEN Track shows.
RELATIONSHIPS = {
    "PAM": "Mother",
    "PAF": "Father",
    "STM": "Step-mother",
    "STF": "Step-father",
    "FOM": "Foster mother",
    "FOF": "Foster father",
    "CAR": "Carer",
    "CHM": "Childminder",
    "FAM": "Other family member",
    "REL": "Other relative",
    "SWR": "Social worker",
    "DOC": "Doctor",
    "HTC": "Head teacher",
    "TCH": "Teacher",
    "RLG": "Religious contact",
    "OTH": "Other contact",
}

SEXES = {"M": "Male", "F": "Female"}


@dataclass(frozen=True)
class CtfSchool:
    """A school as a CTF header names it. `la` is the three-digit LA number, `estab` the four-digit
    establishment number. Either may be missing, or be one of the letter codes files use in
    place of a number (an authority's own files write LLLL for the establishment), read as given."""

    la: str | None = None
    estab: str | None = None
    urn: str | None = None
    name: str | None = None
    academic_year: int | None = None  # SourceSchool only: the calendar year the academic year began


@dataclass(frozen=True)
class CtfHeader:
    version: str  # as written, e.g. "25.0"
    created: datetime | None
    qualifier: str | None  # "full" or "partial"
    supplier: str | None
    source: CtfSchool
    destination: CtfSchool


@dataclass(frozen=True)
class CtfPhone:
    kind: str | None  # the TelephoneType code as written, in capitals (H, M, W, ...), None when not given
    number: str


@dataclass(frozen=True)
class CtfContact:
    order: int | None
    title: str | None
    forename: str
    surname: str
    relationship: str | None  # a code of RELATIONSHIPS as written
    responsibility: bool  # parental responsibility
    address: str | None  # one line per part, joined by "\n"; None when AddressAsPupil or none given
    address_as_pupil: bool
    phones: tuple[CtfPhone, ...]  # every number given, in the file's order
    email: str | None


@dataclass(frozen=True)
class CtfSenPeriod:
    start_date: date | None
    provision: str  # N, K or E (or a legacy code)


@dataclass(frozen=True)
class CtfNeed:
    rank: int
    type: str  # a census need type code as written (SLCN, ASD, NSA, ...)


@dataclass(frozen=True)
class CtfPupil:
    """One <Pupil>. `problems` lists what made a field unreadable, each as (field, message), so
    that the preview shows the pupil in error with the reason rather than refusing the file."""

    upn: str
    surname: str
    forename: str
    date_of_birth: date | None
    sex: str | None  # M or F, from <Sex> or the older <Gender>
    former_upn: str | None = None
    preferred_surname: str | None = None
    preferred_forename: str | None = None
    middle_names: str | None = None
    year_group: int | None = None  # NCyearActual: R is 0, N1/N2 are -1
    entry_date: date | None = None  # this school's EntryDate in SchoolHistory, else the last one
    leaving_date: date | None = None  # the LeavingDate of the same SchoolHistory entry (a leaver's file)
    address: str | None = None
    contacts: tuple[CtfContact, ...] = ()
    sen: tuple[CtfSenPeriod, ...] = ()  # in the file's order
    needs: tuple[CtfNeed, ...] = ()  # by rank
    problems: tuple[tuple[str, str], ...] = ()
    position: int = 0  # 1 for the file's first <Pupil>: what a message names

    @property
    def current_provision(self) -> CtfSenPeriod | None:
        """The SEN period that applies now: the one with the latest start date (undated last)."""
        if not self.sen:
            return None
        return max(self.sen, key=lambda period: period.start_date or date.min)


@dataclass(frozen=True)
class CtfFile:
    header: CtfHeader
    pupils: tuple[CtfPupil, ...] = field(default_factory=tuple)


class CtfRefused(Exception):
    """The whole file is refused (not XML, not a CTF, hostile, too large): `message` names the file
    and says why, for the field that took the upload."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def file_name(source: str, destination: str, sequence: int) -> str:
    """The DfE's name for a CTF: source and destination LA and establishment numbers (LLLEEEE),
    then a three-digit sequence number counting files to that destination."""
    return f"{source}_CTF_{destination}_{sequence:03d}.xml"
