"""A participant's own agenda: sign-up with capacity, the waitlist and its order, overlap warnings, who may."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from meeting_manager.agenda import services
from meeting_manager.agenda.models import SessionSignup, SignupStatus
from meeting_manager.errors import DomainError, NotAllowed
from meeting_manager.meetings.models import MeetingStatus
from meeting_manager.registration.models import RegistrationStatus

APPROVED = RegistrationStatus.approved


@pytest.fixture
def mine(meeting, participant, make_registration):
    """The signed-in participant's approved registration."""
    return make_registration(meeting, status=APPROVED, user_id=participant.id)


@pytest.fixture
def signed_in(auth, participant, mine):
    auth.sign_in(participant)
    return mine


def status_of(db, session, registration):
    db.session.expire_all()
    return db.session.scalar(select(SessionSignup.status).where(
        SessionSignup.session_id == session.id, SessionSignup.registration_id == registration.id))


def test_sign_up_over_http_then_cancel(client, db, meeting, signed_in, make_agenda_session):
    session = make_agenda_session(meeting, "Workshop", capacity=10)
    response = client.post(f"/meetings/{meeting.id}/programme/{session.id}/sign-up", follow_redirects=True)
    assert "You are signed up for “Workshop”." in response.text
    assert status_of(db, session, signed_in) == SignupStatus.signed_up
    response = client.post(f"/meetings/{meeting.id}/programme/{session.id}/cancel", follow_redirects=True)
    assert "You are no longer signed up" in response.text
    assert status_of(db, session, signed_in) == SignupStatus.cancelled


def test_capacity_then_waitlist(db, meeting, make_agenda_session, make_registration):
    session = make_agenda_session(meeting, capacity=2)
    people = [make_registration(meeting, status=APPROVED) for _ in range(3)]
    statuses = [services.sign_up(session, person, actor=None)[0].status for person in people]
    assert statuses == [SignupStatus.signed_up, SignupStatus.signed_up, SignupStatus.waitlisted]
    assert services.places([session.id]) == {session.id: (2, 1)}


def test_waitlist_is_promoted_in_order_and_told_by_email(db, meeting, make_agenda_session, make_registration, outbox):
    session = make_agenda_session(meeting, "Small workshop", capacity=1)
    first, second, third = (make_registration(meeting, status=APPROVED) for _ in range(3))
    for person in (first, second, third):
        services.sign_up(session, person, actor=None)
    db.session.commit()
    promoted = services.cancel_signup(session, first, actor=None)
    db.session.commit()
    assert [s.registration_id for s in promoted] == [second.id]
    assert status_of(db, session, second) == SignupStatus.signed_up
    assert status_of(db, session, third) == SignupStatus.waitlisted
    mail = outbox()[-1]
    assert mail.recipient == second.email and "Small workshop" in mail.subject
    services.cancel_signup(session, second, actor=None)
    assert status_of(db, session, third) == SignupStatus.signed_up


def test_signing_up_again_joins_the_end_of_the_queue(db, meeting, make_agenda_session, make_registration):
    session = make_agenda_session(meeting, capacity=1)
    holder, early, late = (make_registration(meeting, status=APPROVED) for _ in range(3))
    for person in (holder, early, late):
        services.sign_up(session, person, actor=None)
    services.cancel_signup(session, early, actor=None)  # leaves the queue...
    services.sign_up(session, early, actor=None)  # ...and comes back behind `late`
    services.cancel_signup(session, holder, actor=None)
    assert status_of(db, session, late) == SignupStatus.signed_up
    assert status_of(db, session, early) == SignupStatus.waitlisted


def test_more_places_promote_the_queue(db, meeting, organiser, make_agenda_session, make_registration):
    session = make_agenda_session(meeting, "Grows", capacity=1, start="10:00", end="11:00")
    people = [make_registration(meeting, status=APPROVED) for _ in range(3)]
    for person in people:
        services.sign_up(session, person, actor=None)
    data = services.SessionInput(title="Grows", day=meeting.starts_on, start=session.local_start(meeting.tz).time(),
                                 end=session.local_end(meeting.tz).time(), capacity=2, published=True)
    services.save_session(meeting, data, session=session, actor=organiser)
    assert [status_of(db, session, p) for p in people] == [SignupStatus.signed_up] * 2 + [SignupStatus.waitlisted]


def test_no_capacity_means_no_limit(db, meeting, make_agenda_session, make_registration):
    session = make_agenda_session(meeting, kind="side_event")
    for _ in range(5):
        assert services.sign_up(session, make_registration(meeting, status=APPROVED), actor=None)[0].status \
            == SignupStatus.signed_up


def test_overlap_warning_when_signing_up(client, db, meeting, signed_in, make_agenda_session):
    first = make_agenda_session(meeting, "Morning workshop", start="10:00", end="11:30", capacity=20)
    second = make_agenda_session(meeting, "Parallel workshop", start="11:00", end="12:00", capacity=20)
    client.post(f"/meetings/{meeting.id}/programme/{first.id}/sign-up")
    response = client.post(f"/meetings/{meeting.id}/programme/{second.id}/sign-up", follow_redirects=True)
    assert "It overlaps “Morning workshop”" in response.text
    assert status_of(db, second, signed_in) == SignupStatus.signed_up  # a warning, not a refusal
    page = client.get(f"/meetings/{meeting.id}/my-agenda").text
    assert "Some sessions in your agenda overlap" in page and "“Morning workshop” and “Parallel workshop”" in page


def test_back_to_back_and_breaks_do_not_overlap(db, meeting, make_agenda_session, mine):
    make_agenda_session(meeting, "Lunch", kind="break", start="12:00", end="13:30")
    a = make_agenda_session(meeting, start="11:00", end="12:00", capacity=5)
    b = make_agenda_session(meeting, start="12:00", end="13:00", capacity=5)
    services.sign_up(a, mine, actor=None)
    assert services.sign_up(b, mine, actor=None)[1] == []


def test_own_agenda_holds_plenaries_and_signups_only(client, db, meeting, signed_in, make_agenda_session):
    make_agenda_session(meeting, "Opening plenary", kind="plenary", start="09:00", end="10:00")
    chosen = make_agenda_session(meeting, "Chosen workshop", start="10:30", end="12:00", capacity=5)
    make_agenda_session(meeting, "Other workshop", start="10:30", end="12:00", capacity=5)
    services.sign_up(chosen, signed_in, actor=None)
    db.session.commit()
    assert [s.title for s in services.own_agenda(meeting, signed_in)] == ["Opening plenary", "Chosen workshop"]


def test_plenaries_need_no_sign_up(client, db, meeting, signed_in, make_agenda_session):
    plenary = make_agenda_session(meeting, kind="plenary")
    response = client.post(f"/meetings/{meeting.id}/programme/{plenary.id}/sign-up", follow_redirects=True)
    assert "Everyone attends this session" in response.text
    assert status_of(db, plenary, signed_in) is None


def test_twice_is_refused(db, meeting, make_agenda_session, mine):
    session = make_agenda_session(meeting, capacity=3)
    services.sign_up(session, mine, actor=None)
    with pytest.raises(DomainError, match="already signed up"):
        services.sign_up(session, mine, actor=None)


@pytest.mark.parametrize("status", [RegistrationStatus.pending, RegistrationStatus.waitlisted,
                                    RegistrationStatus.cancelled, RegistrationStatus.declined])
def test_only_approved_participants_sign_up(client, db, auth, meeting, participant, make_registration,
                                            make_agenda_session, status):
    registration = make_registration(meeting, status=status, user_id=participant.id)
    session = make_agenda_session(meeting, capacity=5)
    auth.sign_in(participant)
    assert client.post(f"/meetings/{meeting.id}/programme/{session.id}/sign-up").status_code == 403
    page = client.get(f"/meetings/{meeting.id}/my-agenda")
    assert page.status_code == 200 and "open once your registration for this meeting is approved" in page.text
    assert "Sign up" not in page.text
    assert client.get(f"/meetings/{meeting.id}/my-agenda.ics").status_code == 404
    with pytest.raises(NotAllowed):
        services.sign_up(session, registration, actor=None)
    assert status_of(db, session, registration) is None


def test_someone_elses_registration_does_not_count(client, auth, meeting, make_user, make_registration,
                                                   make_agenda_session):
    owner, other = make_user(), make_user()
    make_registration(meeting, status=APPROVED, user_id=owner.id)
    session = make_agenda_session(meeting, capacity=5)
    auth.sign_in(other)
    assert client.post(f"/meetings/{meeting.id}/programme/{session.id}/sign-up").status_code == 403


def test_unpublished_sessions_and_draft_meetings_take_no_sign_up(client, db, meeting, signed_in,
                                                                 make_agenda_session):
    hidden = make_agenda_session(meeting, capacity=5, published=False)
    assert client.post(f"/meetings/{meeting.id}/programme/{hidden.id}/sign-up").status_code == 404
    shown = make_agenda_session(meeting, capacity=5)
    meeting.status = MeetingStatus.draft
    db.session.commit()
    assert client.post(f"/meetings/{meeting.id}/programme/{shown.id}/sign-up").status_code == 404
    assert status_of(db, shown, signed_in) is None


def test_a_session_that_is_over_takes_no_sign_up(db, meeting, make_agenda_session, mine):
    session = make_agenda_session(meeting, capacity=5)
    session.starts_at -= timedelta(days=400)
    session.ends_at -= timedelta(days=400)
    db.session.commit()
    with pytest.raises(DomainError, match="over"):
        services.sign_up(session, mine, actor=None)


def test_release_signups_frees_places(db, meeting, make_agenda_session, make_registration):
    session = make_agenda_session(meeting, capacity=1)
    leaving, waiting = (make_registration(meeting, status=APPROVED) for _ in range(2))
    services.sign_up(session, leaving, actor=None)
    services.sign_up(session, waiting, actor=None)
    assert services.release_signups(leaving, actor=None) == 1
    assert status_of(db, session, waiting) == SignupStatus.signed_up


def test_sign_up_redirects_only_within_the_site(client, meeting, signed_in, make_agenda_session):
    session = make_agenda_session(meeting, capacity=5)
    response = client.post(f"/meetings/{meeting.id}/programme/{session.id}/sign-up",
                           data={"next": "//evil.example/x"})
    assert response.headers["Location"] == f"/meetings/{meeting.id}/my-agenda"


def test_session_page_offers_sign_up_and_shows_places(client, meeting, signed_in, make_agenda_session,
                                                      make_registration):
    session = make_agenda_session(meeting, "Small", capacity=1)
    services.sign_up(session, make_registration(meeting, status=APPROVED), actor=None)
    from meeting_manager.extensions import db
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/programme/{session.id}").text
    assert "Full — you can join the waitlist" in page and "Join the waitlist" in page


def test_a_cancelled_registration_gives_its_session_place_to_the_waiting_list(db, meeting, make_agenda_session,
                                                                              make_registration):
    from meeting_manager.registration.services import cancel_registration

    session = make_agenda_session(meeting, capacity=1)
    leaving, waiting = (make_registration(meeting, status=APPROVED) for _ in range(2))
    services.sign_up(session, leaving, actor=None)
    services.sign_up(session, waiting, actor=None)
    cancel_registration(leaving, actor=None)
    db.session.commit()
    assert status_of(db, session, leaving) == SignupStatus.cancelled
    assert status_of(db, session, waiting) == SignupStatus.signed_up
