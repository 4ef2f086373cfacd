"""Badge collection at the desk: a photo ID check is required, and who handed the badge over, and when, is kept."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from meeting_manager.audit.models import AuditEvent
from meeting_manager.checkin.models import BadgeCollection
from meeting_manager.checkin.services import collect_badge
from meeting_manager.errors import DomainError, ValidationFailed
from meeting_manager.models_base import utcnow
from meeting_manager.registration.models import RegistrationStatus


def collections(db):
    return list(db.session.scalars(select(BadgeCollection).order_by(BadgeCollection.id)))


def test_collection_requires_the_photo_id_check(db, meeting, make_attendee, staff):
    person = make_attendee(meeting)
    with pytest.raises(ValidationFailed, match="photo ID"):
        collect_badge(meeting, person, actor=staff, id_checked=False)
    assert collections(db) == []


def test_collection_records_who_and_when(db, meeting, make_attendee, staff):
    person = make_attendee(meeting)
    before = utcnow()
    row = collect_badge(meeting, person, actor=staff, id_checked=True)
    db.session.commit()
    assert row.handed_over_by_id == staff.id and row.id_checked is True and row.replacement is False
    assert before <= row.collected_at <= utcnow() + timedelta(seconds=1)


def test_second_badge_only_as_a_replacement(db, meeting, make_attendee, staff, organiser):
    person = make_attendee(meeting)
    collect_badge(meeting, person, actor=staff, id_checked=True)
    with pytest.raises(DomainError, match="already handed over"):
        collect_badge(meeting, person, actor=staff, id_checked=True)
    second = collect_badge(meeting, person, actor=organiser, id_checked=True, replacement=True)
    db.session.commit()
    assert second.replacement and len(collections(db)) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "badge.replacement_handed_over"))
    assert event.actor_id == organiser.id and event.subject_id == person.id


@pytest.mark.parametrize("status", [RegistrationStatus.cancelled, RegistrationStatus.declined])
def test_no_badge_for_people_not_approved(db, meeting, make_registration, staff, status):
    with pytest.raises(DomainError):
        collect_badge(meeting, make_registration(meeting, status=status), actor=staff, id_checked=True)
    assert collections(db) == []


def test_the_database_refuses_a_collection_without_id_check(db, meeting, make_attendee, staff):
    from sqlalchemy.exc import IntegrityError

    db.session.add(BadgeCollection(registration_id=make_attendee(meeting).id, handed_over_by_id=staff.id,
                                   id_checked=False))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def card_url(meeting, person):
    return f"/meetings/{meeting.id}/checkin/registrations/{person.id}"


def test_desk_form_without_the_checkbox_hands_over_nothing(db, client, auth, meeting, make_attendee, staff):
    person = make_attendee(meeting)
    auth.sign_in(staff)
    response = client.post(card_url(meeting, person) + "/badge", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert "Check a photo ID and tick the box" in response.text
    assert collections(db) == []


def test_desk_card_shows_the_hand_over(db, client, auth, meeting, make_attendee, staff):
    person = make_attendee(meeting, given_name="Łukasz")
    auth.sign_in(staff)
    response = client.post(card_url(meeting, person) + "/badge", data={"id_checked": "y"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).text
    assert "Badge handed over." in page and "Handed over" in page and staff.name in page
    [row] = collections(db)
    assert row.handed_over_by_id == staff.id
