"""Who among a pupil's contacts is sent what the school sends home about the pupil: letters, the
parents' copy of the plan and meeting records. One rule, used by every page that addresses a copy."""

from __future__ import annotations

from collections.abc import Iterable

from sentrack.models import Contact


def may_receive(contact: Contact) -> bool:
    """Whether the school sends `contact` its letters and copies of the pupil's records."""
    return contact.parental_responsibility


def recipients(contacts: Iterable[Contact]) -> list[Contact]:
    """The contacts who are sent a copy, in the order the school contacts them."""
    return sorted((c for c in contacts if may_receive(c)), key=lambda c: (c.priority, c.id))
