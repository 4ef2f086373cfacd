"""Mail that looks like the organisation (real SMTP): the meeting's layout, sender name and reply-to, a formal
salutation with the person's title, dates in the reader's language, the approval with its e-ticket and .ics, and
texts organisers edit per meeting with a preview and a way back to the default."""
import pytest

from meeting_manager.extensions import db as _db
from meeting_manager.meeting_mail import services
from meeting_manager.names import Purpose, render_name
from meeting_manager.registration.models import RegistrationStatus
from meeting_manager.registration.services import change_status

S = RegistrationStatus


@pytest.fixture
def mailing(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


@pytest.fixture
def styled(meeting, organiser):
    services.save_settings(meeting, {"sender_name": "Global Meeting Secretariat", "reply_to": "gm@network.example.org",
                                     "contact": "Secretariat, Rue 1, Geneva\n+41 22 000 00 00", "colour": "#8B1F3A"},
                           actor=organiser)
    _db.session.commit()
    return meeting


def test_the_formal_salutation_puts_the_title_before_the_whole_name():
    person = {"title": "H.E.", "given_name": "أحمد", "family_name": "الحسن"}
    assert render_name(person, Purpose.formal) == "H.E. أحمد الحسن"
    assert render_name({"given_name": "王", "family_name": "芳", "name_order": "family_first", "title": "Dr"},
                       Purpose.formal) == "Dr 芳王"
    assert render_name({"given_name": "Amina", "family_name": "Diallo", "title": "  "}, Purpose.formal) == \
        "Amina Diallo"


def test_an_approval_comes_from_the_meeting_in_its_layout_with_ticket_and_calendar(
        styled, make_registration, organiser, mailing, mail_to):
    person = make_registration(styled, given_name="أحمد", family_name="الحسن", title="H.E.", locale="fr")
    change_status(person, S.approved, actor=organiser)
    _db.session.commit()
    [message] = mail_to(person.email)
    assert message["From"].addresses[0].display_name == "Global Meeting Secretariat"
    assert str(message["Reply-To"]) == "gm@network.example.org"
    assert message.get_content_type() == "multipart/mixed"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "H.E. أحمد الحسن" in text and "Dear أحمد," not in text
    assert "#8B1F3A".lower() in html.lower() and styled.title in html
    assert "Secretariat, Rue 1, Geneva" in html and "gm@network.example.org" in html
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"e-ticket.pdf", "meeting.ics"}
    assert attachments["e-ticket.pdf"].get_content().startswith(b"%PDF")
    ics = attachments["meeting.ics"].get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics and styled.starts_on.strftime("%Y%m%d") in ics


def test_dates_are_written_in_the_readers_language(meeting, make_registration, organiser, mailing, mail_to, app):
    app.config["LANGUAGES"] = ("en", "fr")
    person = make_registration(meeting, locale="fr")
    change_status(person, S.approved, actor=organiser)
    _db.session.commit()
    text = mail_to(person.email)[0].get_body(("plain",)).get_content()
    assert meeting.starts_on.isoformat() not in text
    month_fr = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                "novembre", "décembre"][meeting.starts_on.month - 1]
    month_en = meeting.starts_on.strftime("%B")
    assert month_fr in text or month_en in text  # French where the catalogue has it, written out either way


def test_bad_settings_change_nothing(styled, organiser, auth, client):
    auth.sign_in(organiser)
    response = client.post(f"/meetings/{styled.id}/mail", data={"sender_name": "X", "reply_to": "not-an-address",
                                                                 "colour": "red"})
    assert response.status_code == 422
    _db.session.expire_all()
    assert services.settings_for(styled).sender_name == "Global Meeting Secretariat"


def test_organisers_write_their_own_text_preview_it_and_go_back_to_the_default(
        meeting, organiser, auth, client, make_registration, mailing, mail_to):
    auth.sign_in(organiser)
    page = f"/meetings/{meeting.id}/mail/texts/registration_waitlisted/en"
    assert client.get(f"/meetings/{meeting.id}/mail").status_code == 200
    assert "default text" in client.get(page).text
    own = {"subject": "{meeting}: you are on our list", "body": "We keep a place in mind for you, {name}.\n\nBest."}
    preview = client.post(page, data={**own, "action": "preview"})
    assert preview.status_code == 200 and "Global Meeting 2026: you are on our list" in preview.text
    assert "Dr Amina Diallo" in preview.text and services.get_text(meeting, "registration_waitlisted", "en") is None
    bad = client.post(page, data={"subject": "x", "body": "Hello {nmae}", "action": "save"})
    assert bad.status_code == 422 and "{nmae}" in bad.text
    assert client.post(page, data={**own, "action": "save"}).status_code == 303
    assert client.post(page, data={**own, "action": "save"}).status_code == 303  # saved twice: still one text
    person = make_registration(meeting, title="Prof.", given_name="Ana", family_name="Pérez")
    change_status(person, S.waitlisted, actor=organiser)
    _db.session.commit()
    [message] = mail_to(person.email)
    assert str(message["Subject"]) == "Global Meeting 2026: you are on our list"
    assert "We keep a place in mind for you, Prof. Ana Pérez." in message.get_body(("plain",)).get_content()
    html_preview = client.get(f"{page}/preview")
    assert html_preview.status_code == 200 and "sandbox" in html_preview.headers["Content-Security-Policy"]
    assert client.post(f"{page}/reset").status_code == 303
    assert services.get_text(meeting, "registration_waitlisted", "en") is None
    assert "default text" in client.get(page).text
    assert client.get(f"/meetings/{meeting.id}/mail/texts/no_such_message/en").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/mail/texts/registration_waitlisted/xx").status_code == 404


def test_html_typed_into_an_own_text_is_shown_as_text(meeting, organiser, make_registration, mailing, mail_to):
    services.save_text(meeting, "registration_declined", "en", "Sorry", "<b>bold</b> <script>x</script>",
                       actor=organiser)
    person = make_registration(meeting)
    change_status(person, S.declined, actor=organiser)
    _db.session.commit()
    html = mail_to(person.email)[0].get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_only_the_meetings_organisers_reach_its_mail_pages(meeting, participant, make_user, make_meeting, auth,
                                                           client):
    other = make_user(roles=[(make_meeting(title="Regional"), "organiser")])
    for user in (participant, other):
        auth.sign_in(user)
        assert client.get(f"/meetings/{meeting.id}/mail").status_code == 403
        assert client.post(f"/meetings/{meeting.id}/mail/texts/registration_approved/en",
                           data={"subject": "x", "body": "y", "action": "save"}).status_code == 403
        auth.sign_out()
    assert services.get_text(meeting, "registration_approved", "en") is None
