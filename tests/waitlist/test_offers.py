"""Waiting-list offers: a freed seat is offered by mail (real SMTP) to the earliest waitlisted person who fits;
accepting approves through the rules; declining or expiry offers the next; organisers hear of it."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import boss_of
from meeting_manager.balance import services as balance
from meeting_manager.balance.models import DecisionMode
from meeting_manager.extensions import db as _db
from meeting_manager.models_base import utcnow
from meeting_manager.registration.models import Gender, RegistrationStatus
from meeting_manager.registration.services import cancel_registration
from meeting_manager.waitlist import services
from meeting_manager.waitlist.models import NoticeMode, OfferStatus, WaitlistOffer

S = RegistrationStatus


@pytest.fixture
def mailing(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def offer_path(message) -> str:
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(/waitlist/offers/[\w-]+)", text)
    assert match, text
    return match.group(1)


def offers():
    return list(_db.session.scalars(select(WaitlistOffer).order_by(WaitlistOffer.id)))


def free_a_seat(registration):
    cancel_registration(registration, actor=None)
    _db.session.commit()


def test_a_cancellation_offers_the_seat_by_mail_and_accepting_approves(full_meeting, mailing, mail_to, client):
    meeting, seated, (first, second) = full_meeting
    organiser = boss_of(meeting)
    free_a_seat(seated[0])

    [offer_mail] = [m for m in mail_to(first.email) if "waitlist/offers" in m.get_body(("plain",)).get_content()]
    assert mail_to(second.email) == []  # the later one waits
    text = offer_mail.get_body(("plain",)).get_content()
    assert "Une place" in str(offer_mail["Subject"]) or "place" in text  # in her language where translated
    path = offer_path(offer_mail)
    page = client.get(path)
    assert page.status_code == 200 and "Accept the place" in page.text
    [offer] = offers()
    assert offer.registration_id == first.id and offer.status == OfferStatus.open
    hours = (offer.expires_at - offer.offered_at).total_seconds() / 3600
    assert 71.9 < hours <= 72  # the default deadline

    answered = client.post(path, data={"answer": "accept"})
    assert answered.status_code == 303
    _db.session.refresh(first)
    assert first.status == S.approved
    assert offers()[0].status == OfferStatus.accepted
    again = client.post(path, data={"answer": "accept"}, follow_redirects=True)  # a double submit
    assert "no longer open" in again.text
    assert balance.current_counts(meeting).total == 2
    approval = [m for m in mail_to(first.email) if m.get_content_type() == "multipart/mixed"]
    assert len(approval) == 1
    names = sorted(part.get_filename() for part in approval[0].iter_attachments())
    assert names == ["e-ticket.pdf", "meeting.ics"]
    # the organiser heard of the freed seat at once (mode "each"), once
    assert len([m for m in mail_to(organiser.email) if "offered" in str(m["Subject"])]) == 1


def test_declining_withdraws_and_offers_the_next(full_meeting, mailing, mail_to, client):
    _meeting, seated, (first, second) = full_meeting
    free_a_seat(seated[0])
    path = offer_path(mail_to(first.email)[-1])
    assert client.post(path, data={"answer": "nothing"}).status_code == 303  # nothing chosen: nothing changes
    assert offers()[0].status == OfferStatus.open
    client.post(path, data={"answer": "decline"})
    _db.session.refresh(first)
    assert first.status == S.cancelled
    assert [o.registration_id for o in offers()] == [first.id, second.id]
    assert offers()[1].status == OfferStatus.open
    assert any("waitlist/offers" in m.get_body(("plain",)).get_content() for m in mail_to(second.email))


def test_an_unanswered_offer_expires_and_the_next_is_offered(full_meeting, mailing, mail_to):
    _meeting, seated, (first, second) = full_meeting
    free_a_seat(seated[0])
    assert services.tick()["expired"] == 0
    counts = services.tick(utcnow() + timedelta(hours=73))
    _db.session.commit()
    assert counts["expired"] == 1
    first_offer, second_offer = offers()
    assert (first_offer.status, second_offer.status) == (OfferStatus.expired, OfferStatus.open)
    assert second_offer.registration_id == second.id
    _db.session.refresh(first)
    assert first.status == S.waitlisted  # still on the list, not offered again by itself
    assert any("next person" in str(m["Subject"]) or "suivante" in str(m["Subject"]) for m in mail_to(first.email))


def test_an_expired_link_answers_that_it_is_closed(full_meeting, mailing, mail_to, client, monkeypatch):
    _meeting, seated, (first, _second) = full_meeting
    free_a_seat(seated[0])
    path = offer_path(mail_to(first.email)[-1])
    offer = offers()[0]
    offer.expires_at = utcnow() - timedelta(minutes=1)
    _db.session.commit()
    page = client.post(path, data={"answer": "accept"}, follow_redirects=True)
    assert "no longer open" in page.text
    _db.session.refresh(first)
    assert first.status == S.waitlisted


def test_the_earliest_who_fits_the_rules_is_offered_not_simply_the_earliest(make_meeting, make_registration,
                                                                            mailing, mail_to):
    meeting = make_meeting(capacity=3)
    balance.save_policy(meeting, {"decision_mode": DecisionMode.manual, "mix_min_size": None,
                                  "mix_is_violation": False},
                        [{"unit": "seats", "dimension": "gender", "value": "man", "maximum": 1}], actor=None)
    man = make_registration(meeting, status=S.approved, gender=Gender.man)
    leaving = make_registration(meeting, status=S.approved)
    make_registration(meeting, status=S.approved)
    early_man = make_registration(meeting, status=S.waitlisted, gender=Gender.man,
                                  submitted_at=utcnow() - timedelta(days=2))
    later_woman = make_registration(meeting, status=S.waitlisted, submitted_at=utcnow() - timedelta(days=1))
    free_a_seat(leaving)
    assert [o.registration_id for o in offers()] == [later_woman.id]
    assert man.status == S.approved and early_man.status == S.waitlisted


def test_a_second_freed_seat_goes_to_the_next_while_the_first_offer_is_open(full_meeting, mailing, mail_to):
    _meeting, seated, (first, second) = full_meeting
    free_a_seat(seated[0])
    free_a_seat(seated[1])
    assert [(o.registration_id, o.status) for o in offers()] == [(first.id, OfferStatus.open),
                                                                  (second.id, OfferStatus.open)]


def test_the_participants_own_cancellation_through_the_page_offers_the_seat(full_meeting, mailing, mail_to, auth,
                                                                            client, participant):
    _meeting, seated, (first, _second) = full_meeting
    seated[0].user_id = participant.id
    _db.session.commit()
    auth.sign_in(participant)
    response = client.post(f"/my/registrations/{seated[0].id}/cancel", data={"confirm": "y"})
    assert response.status_code in (302, 303), response.text[:500]
    assert [o.registration_id for o in offers()] == [first.id]


def test_in_digest_mode_organisers_get_one_message_a_day(full_meeting, mailing, mail_to):
    meeting, seated, (_first, _second) = full_meeting
    organiser = boss_of(meeting)
    services.save_settings(meeting, offer_hours=24, organiser_notice=NoticeMode.digest, actor=organiser)
    _db.session.commit()
    free_a_seat(seated[0])
    free_a_seat(seated[1])
    assert mail_to(organiser.email) == []
    assert services.send_digests() == 1
    _db.session.commit()
    assert services.send_digests() == 0  # the same day: nothing more
    _db.session.commit()
    [digest] = mail_to(organiser.email)
    text = digest.get_body(("plain",)).get_content()
    assert text.count("waiting for the answer") == 2
    hours = (offers()[0].expires_at - offers()[0].offered_at).total_seconds() / 3600
    assert 23.9 < hours <= 24  # the meeting's own deadline


def test_a_meeting_that_decides_automatically_promotes_and_offers_nothing(full_meeting, mailing):
    meeting, seated, (first, _second) = full_meeting
    balance.save_policy(meeting, {"decision_mode": DecisionMode.auto, "mix_min_size": None,
                                  "mix_is_violation": False}, [], actor=None)
    _db.session.commit()
    free_a_seat(seated[0])
    _db.session.refresh(first)
    assert first.status == S.approved and offers() == []


def test_an_organiser_declining_the_offered_person_passes_the_seat_on(full_meeting, mailing):
    meeting, seated, (first, second) = full_meeting
    organiser = boss_of(meeting)
    free_a_seat(seated[0])
    balance.decide(first, S.declined, actor=organiser)
    _db.session.commit()
    assert [(o.registration_id, o.status) for o in offers()] == [(first.id, OfferStatus.withdrawn),
                                                                  (second.id, OfferStatus.open)]


def test_a_wrong_link_is_not_found(client, full_meeting):
    assert client.get("/waitlist/offers/not-a-real-token").status_code == 404
    assert client.post("/waitlist/offers/not-a-real-token", data={"answer": "accept"}).status_code == 404


def test_the_organisers_page_lists_offers_and_saves_settings(full_meeting, mailing, auth, client, make_user,
                                                             make_meeting, participant):
    meeting, seated, (_first, _second) = full_meeting
    organiser = boss_of(meeting)
    free_a_seat(seated[0])
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/waitlist")
    assert page.status_code == 200 and "waiting for the answer" in page.text
    bad = client.post(f"/meetings/{meeting.id}/waitlist", data={"offer_hours": "0", "organiser_notice": "each"})
    assert bad.status_code == 422 and services.settings_for(meeting).offer_hours == 72
    good = client.post(f"/meetings/{meeting.id}/waitlist", data={"offer_hours": "48", "organiser_notice": "digest"})
    assert good.status_code == 303
    assert (services.settings_for(meeting).offer_hours, services.settings_for(meeting).organiser_notice) == (
        48, NoticeMode.digest)
    auth.sign_out()
    auth.sign_in(participant)
    assert client.get(f"/meetings/{meeting.id}/waitlist").status_code == 403
    other = make_user(roles=[(make_meeting(title="Regional Meeting"), "organiser")])
    auth.sign_out()
    auth.sign_in(other)
    assert client.get(f"/meetings/{meeting.id}/waitlist").status_code == 403


def test_the_settings_form_shows_the_saved_choice_checked(full_meeting, auth, client):
    """Seen on the page: neither way of telling the organisers was checked, so a plain Save was refused."""
    meeting, _seated, _waiting = full_meeting
    auth.sign_in(boss_of(meeting))
    checked = re.findall(r'<input[^>]*checked[^>]*value="(\w+)"|<input[^>]*value="(\w+)"[^>]*checked',
                         client.get(f"/meetings/{meeting.id}/waitlist").text)
    assert ["".join(pair) for pair in checked] == ["each"]
    client.post(f"/meetings/{meeting.id}/waitlist", data={"offer_hours": "72", "organiser_notice": "digest"})
    checked = re.findall(r'<input[^>]*checked[^>]*value="(\w+)"|<input[^>]*value="(\w+)"[^>]*checked',
                         client.get(f"/meetings/{meeting.id}/waitlist").text)
    assert ["".join(pair) for pair in checked] == ["digest"]


def test_suggestions_count_the_seat_held_for_an_open_offer(full_meeting, mailing, make_registration, auth, client):
    """A freed seat offered to the first waitlisted person is theirs until they answer: the suggestions proposed a
    later pending applicant for it, and the offered person again."""
    meeting, seated, (first, _second) = full_meeting
    free_a_seat(seated[0])
    assert [o.registration_id for o in offers()] == [first.id]
    make_registration(meeting, status=S.pending, given_name="Later")
    _db.session.commit()
    chosen, _suggestion = balance.suggest(meeting)
    assert chosen == []  # the one free seat is held
    _preview, left_out = balance.explain_suggestion(meeting, chosen)
    assert [(item.registration.id, item.why) for item in left_out if item.why == "offered"] == [(first.id, "offered")]
    assert balance.next_from_waitlist(meeting) is None
    auth.sign_in(boss_of(meeting))
    page = client.get(f"/meetings/{meeting.id}/suggestions").text
    assert "A seat is held for them: the waiting-list offer made to them is open." in page
