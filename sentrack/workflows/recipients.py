"""Who among a pupil's contacts is sent what the school sends home about the pupil: letters, the
parents' copy of the plan and meeting records. One rule, used by every page that addresses a copy.

A contact is sent copies when they hold parental responsibility and nothing restricts what the
school sends them (a court order, a safeguarding concern, another reason the SENCO recorded).
Everyone else is left out, and the pages staff use say who and why; what is printed never does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sentrack.models import Contact, ContactRestriction

# Why a restricted contact is left out, by restriction, as staff pages say it.
RESTRICTED_BECAUSE = {
    ContactRestriction.COURT_ORDER: "a court order restricts what the school sends them",
    ContactRestriction.SAFEGUARDING: "a safeguarding concern restricts what the school sends them",
    ContactRestriction.OTHER: "a restriction is recorded on their contact",
}
NO_RESPONSIBILITY = "they do not hold parental responsibility"


def why_left_out(contact: Contact) -> str | None:
    """Why the school sends `contact` no letters or copies of the pupil's records, or None when
    it sends them. A restriction is given first: it holds whatever their responsibility."""
    if contact.restriction is not ContactRestriction.NONE:
        return RESTRICTED_BECAUSE[contact.restriction]
    if not contact.parental_responsibility:
        return NO_RESPONSIBILITY
    return None


def may_receive(contact: Contact) -> bool:
    """Whether the school sends `contact` its letters and copies of the pupil's records."""
    return why_left_out(contact) is None


def _in_order(contacts: Iterable[Contact]) -> list[Contact]:
    return sorted(contacts, key=lambda c: (c.priority, c.id or 0))


def recipients(contacts: Iterable[Contact]) -> list[Contact]:
    """The contacts who are sent a copy, in the order the school contacts them."""
    return [c for c in _in_order(contacts) if may_receive(c)]


@dataclass(frozen=True)
class LeftOut:
    contact: Contact
    reason: str


@dataclass(frozen=True)
class Copies:
    """Whom a copy goes to (`sent`, in the order the school contacts them) and whom it does not,
    each with the reason (`left_out`), for the pages staff see."""

    sent: list[Contact]
    left_out: list[LeftOut]


def copies_for(contacts: Iterable[Contact]) -> Copies:
    """The pupil's contacts split into those sent copies and those left out, with why."""
    ordered = _in_order(contacts)
    left_out = [LeftOut(c, reason) for c in ordered if (reason := why_left_out(c)) is not None]
    return Copies(sent=[c for c in ordered if may_receive(c)], left_out=left_out)
