"""Transfers of a pupil's record between schools of one SEN Track: the receiving school's import
asks, the previous school's SENCO is told (by a notification naming no pupil) and confirms or
declines; a confirmed transfer gives the receiving school a new record with the SEN history
copied and the old record its leaving; each step audited, each decision taken once.

The world (tests.factories): Oak Primary and Ash Secondary in one authority; Ada Brook at Oak is
on SEN support (SPLD since 10 September 2025); today is Friday 27 November 2026.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import (
    NeedType,
    Notification,
    Provision,
    Pupil,
    PupilTransfer,
    Role,
    SenStatus,
    TransferStatus,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows.transfers import confirm_transfer, decline_transfer, start_transfer
from tests.factories import make_user
from tests.helpers import audit_events, text

TODAY = date(2026, 11, 27)


def _details(pupil: Pupil, **changes) -> dict:
    """The arriving pupil's details as the receiving school's import read them."""
    return {
        "upn": pupil.upn,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "preferred_name": "Addie",
        "preferred_last_name": None,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "sex": "F",
        "year_group": 7,
        "admitted_on": "2026-11-23",
        "former_upn": None,
        "contacts": [
            {
                "name": "Ann Brook",
                "relationship_to_pupil": "Mother",
                "relationship_code": "PAM",
                "parental_responsibility": True,
                "phone": "07700 900456",
                "email": "ann@example.org",
                "address": "1 High St\nBedford",
            }
        ],
        **changes,
    }


def _history(session, world, ada: Pupil) -> None:
    """Ada: SEN support from September 2025, an EHC plan from April 2026 (two needs ranked)."""
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == ada.id))
    status.end_date = date(2026, 3, 31)
    session.add(
        SenStatus(
            pupil_id=ada.id,
            provision=Provision.EHC_PLAN,
            primary_need=NeedType.SLCN,
            secondary_need=NeedType.SPLD,
            start_date=date(2026, 4, 1),
            reason="Plan issued",
        )
    )
    world.sibling.estab_number = "4321"
    session.commit()


def _start(session, world, **changes) -> PupilTransfer:
    ada = world.pupils["taught"]
    ash_admin = make_user(session, f"admin{len(changes)}@ash.test", Role.ADMIN, school=world.sibling)
    transfer = start_transfer(
        session, actor=ash_admin, school=world.sibling, from_pupil=ada, details=_details(ada, **changes), batch=None
    )
    session.commit()
    return transfer


# --- Starting --------------------------------------------------------------------------------


def test_starting_a_transfer_tells_the_previous_schools_senco_naming_no_pupil(session, world):
    transfer = _start(session, world)

    assert (transfer.status, transfer.to_school_id) == (TransferStatus.AWAITING, world.sibling.id)
    (note,) = session.scalars(sa.select(Notification).where(Notification.kind == "transfer_asked")).all()
    assert (note.recipient_id, note.subject_id, note.link) == (world.users["senco"].id, transfer.id, "/transfers")
    assert not any(word in note.title + note.body for word in ("Ada", "Brook", "Addie"))
    (event,) = audit_events(session, "transfer_started")
    assert (event.pupil_id, event.object_type, event.object_id) == (
        world.pupils["taught"].id,
        "pupil_transfer",
        str(transfer.id),
    )


def test_starting_again_returns_the_same_transfer_and_tells_no_one_twice(session, world):
    first = _start(session, world)
    again = _start_again(session, world)

    assert again.id == first.id
    assert session.scalar(sa.select(sa.func.count(PupilTransfer.id))) == 1
    assert session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.kind == "transfer_asked")) == 1


def _start_again(session, world) -> PupilTransfer:
    ada = world.pupils["taught"]
    return start_transfer(session, actor=None, school=world.sibling, from_pupil=ada, details=_details(ada), batch=None)


def test_another_school_cannot_ask_while_one_is_waiting_and_no_school_asks_for_its_own(session, world):
    _start(session, world)
    ada = world.pupils["taught"]

    with pytest.raises(RuleBroken, match="already waiting"):
        start_transfer(session, actor=None, school=world.foreign, from_pupil=ada, details=_details(ada), batch=None)
    session.rollback()
    with pytest.raises(RuleBroken, match="own"):
        start_transfer(session, actor=None, school=world.school, from_pupil=ada, details=_details(ada), batch=None)


# --- Confirming -----------------------------------------------------------------------------


def test_confirming_gives_the_new_school_a_record_with_the_sen_history_copied(session, world):
    ada = world.pupils["taught"]
    _history(session, world, ada)
    transfer = _start(session, world)

    new = confirm_transfer(session, actor=world.users["senco"], transfer=transfer, today=TODAY)
    session.commit()

    assert (new.school_id, new.previous_pupil_id, new.upn) == (world.sibling.id, ada.id, ada.upn)
    assert (new.preferred_name, new.sex, new.year_group, new.admitted_on) == ("Addie", "F", 7, date(2026, 11, 23))
    (contact,) = new.contacts
    assert (contact.name, contact.relationship_code, contact.email) == ("Ann Brook", "PAM", "ann@example.org")
    copied = session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id == new.id).order_by(SenStatus.start_date))
    assert [(s.provision, s.primary_need, s.secondary_need, s.start_date, s.end_date) for s in copied] == [
        (Provision.SEN_SUPPORT, NeedType.SPLD, None, date(2025, 9, 10), date(2026, 3, 31)),
        (Provision.EHC_PLAN, NeedType.SLCN, NeedType.SPLD, date(2026, 4, 1), None),
    ]
    assert all(s.reason.startswith("Copied from the previous school (Oak Primary)") for s in new.sen_statuses)
    session.refresh(transfer)
    assert (transfer.status, transfer.to_pupil_id, transfer.decided_by_id) == (
        TransferStatus.CONFIRMED,
        new.id,
        world.users["senco"].id,
    )


def test_confirming_gives_the_old_record_its_leaving_with_the_destination(session, world):
    ada = world.pupils["taught"]
    _history(session, world, ada)
    transfer = _start(session, world)

    confirm_transfer(session, actor=world.users["senco"], transfer=transfer, today=TODAY)
    session.commit()

    session.refresh(ada)
    assert (ada.left_on, ada.leaving_reason) == (date(2026, 11, 23), "Moved to another school")
    assert (ada.destination_name, ada.destination_urn) == ("Ash Secondary", "900002")
    assert (ada.destination_la, ada.destination_estab) == ("999", "4321")
    assert [e.action for e in audit_events(session, "transfer_confirmed")] == ["transfer_confirmed"]
    assert [e.pupil_id for e in audit_events(session, "pupil_left")] == [ada.id]


def test_an_old_record_with_a_leaving_keeps_it(session, world):
    ada = world.pupils["taught"]
    ada.left_on, ada.leaving_reason = date(2026, 10, 30), "Moved away from the area"
    session.commit()
    transfer = _start(session, world, admitted_on=None)

    confirm_transfer(session, actor=world.users["senco"], transfer=transfer, today=TODAY)

    assert (ada.left_on, ada.leaving_reason) == (date(2026, 10, 30), "Moved away from the area")


@pytest.mark.parametrize(
    "changes", [{"date_of_birth": "2015-02-30"}, {"year_group": 20}, {"last_name": " "}, {"upn": None}]
)
def test_details_that_cannot_make_a_record_are_refused_and_nothing_stored(session, world, changes):
    transfer = _start(session, world, **changes)

    with pytest.raises(RuleBroken, match="incomplete"):
        confirm_transfer(session, actor=world.users["senco"], transfer=transfer, today=TODAY)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Pupil.id)).where(Pupil.school_id == world.sibling.id)) == 2


def test_a_transfer_is_confirmed_once(session, world):
    transfer = _start(session, world)
    confirm_transfer(session, actor=world.users["senco"], transfer=transfer, today=TODAY)
    session.commit()

    with pytest.raises(RuleBroken, match="already confirmed"):
        confirm_transfer(session, actor=world.users["senco"], transfer=transfer, today=TODAY)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Pupil.id)).where(Pupil.upn == world.pupils["taught"].upn)) == 2


def test_a_second_decision_made_meanwhile_is_refused(session, world):
    """Two SENCOs at once: the second finds the transfer decided by the time it writes."""
    transfer = _start(session, world)
    session.execute(
        sa.update(PupilTransfer)
        .where(PupilTransfer.id == transfer.id)
        .values(status=TransferStatus.DECLINED, decided_at=sa.func.current_timestamp(), note="Not ours")
        .execution_options(synchronize_session=False)
    )  # written behind the loaded transfer's back: it still reads as awaiting

    with pytest.raises(RuleBroken, match="already been confirmed or declined"):
        confirm_transfer(session, actor=world.users["senco"], transfer=transfer, today=TODAY)


# --- Declining ------------------------------------------------------------------------------


def test_declining_needs_a_reason_and_then_nothing_can_be_confirmed(session, world):
    transfer = _start(session, world)
    with pytest.raises(RuleBroken, match="Enter why") as refused:
        decline_transfer(session, actor=world.users["senco"], transfer=transfer, note="  ")
    assert refused.value.field == "note"

    decline_transfer(session, actor=world.users["senco"], transfer=transfer, note="Not the same child")
    session.commit()

    session.refresh(transfer)
    assert (transfer.status, transfer.note) == (TransferStatus.DECLINED, "Not the same child")
    assert [e.action for e in audit_events(session, "transfer_declined")] == ["transfer_declined"]
    with pytest.raises(RuleBroken, match="already declined"):
        confirm_transfer(session, actor=world.users["senco"], transfer=transfer, today=TODAY)
    assert world.pupils["taught"].left_on is None


# --- The pages --------------------------------------------------------------------------------


def test_the_senco_confirms_from_the_transfers_page(session, world, client, login):
    transfer = _start(session, world)
    dev = world.pupils["untaught_k"]
    start_transfer(session, actor=None, school=world.sibling, from_pupil=dev, details=_details(dev), batch=None)
    session.commit()
    login(world.users["senco"])

    assert "/transfers" in client.page("/pupils/left").links()
    page = client.page("/transfers")  # two transfers waiting, each with its forms: no id twice
    assert page.title.startswith("Transfers between schools")
    assert "Ada Brook" in page.text() and "Dev Ellis" in page.text() and "Ash Secondary" in page.text()
    done = client.post(f"/transfers/{transfer.id}/confirm", follow_redirects=True)

    assert "Transfer confirmed" in text(done)
    session.refresh(transfer)
    assert transfer.status is TransferStatus.CONFIRMED
    named = [e.pupil_id for e in audit_events(session, "named_in_transfers_list")]
    ada = world.pupils["taught"]
    assert sorted(named) == sorted([ada.id, dev.id] * 2)  # waiting, then decided lately


def test_a_confirmation_sent_twice_is_saved_once(session, world, client, login):
    from sentrack import submissions

    transfer = _start(session, world)
    login(world.users["senco"])
    token = submissions.issue(world.users["senco"].id, secret_key=client.application.secret_key)

    answers = [client.post(f"/transfers/{transfer.id}/confirm", data={submissions.FIELD: token}) for _ in range(2)]

    assert [a.status_code for a in answers] == [302, 302]
    assert session.scalar(sa.select(sa.func.count(Pupil.id)).where(Pupil.school_id == world.sibling.id)) == 3


def test_a_decline_without_its_reason_shows_the_error_beside_the_field(session, world, client, login):
    transfer = _start(session, world)
    login(world.users["senco"])

    answer = client.post(f"/transfers/{transfer.id}/decline", data={f"transfer-{transfer.id}-note": ""})

    assert answer.status_code == 200 and "Enter why the transfer is declined" in text(answer)
    declined = client.post(
        f"/transfers/{transfer.id}/decline", data={f"transfer-{transfer.id}-note": "Not ours"}, follow_redirects=True
    )
    assert "Transfer declined" in text(declined)


def test_the_receiving_school_sees_what_it_asked_and_cannot_decide_it(session, world, client, login):
    transfer = _start(session, world)
    ash_senco = make_user(session, "senco@ash.test", Role.SENCO, school=world.sibling)
    session.commit()
    login(ash_senco)

    page = text(client.get("/transfers"))

    assert "Asked for by this school" in page and "Waiting for the previous school" in page
    assert "Ada Brook" in page  # the details it imported itself
    assert client.post(f"/transfers/{transfer.id}/confirm").status_code == 404
    session.refresh(transfer)
    assert transfer.status is TransferStatus.AWAITING


def test_the_receiving_schools_senco_is_told_of_the_decision_naming_no_pupil(session, world):
    transfer = _start(session, world)
    ash_senco = make_user(session, "senco@ash.test", Role.SENCO, school=world.sibling)

    decline_transfer(session, actor=world.users["senco"], transfer=transfer, note="Not the same child")

    (told,) = session.scalars(sa.select(Notification).where(Notification.kind == "transfer_decided")).all()
    assert told.recipient_id == ash_senco.id and told.link == "/transfers" and "declined" in told.title
    assert not any(word in told.title + told.body for word in ("Ada", "Brook", "Addie"))
