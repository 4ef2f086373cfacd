"""Passport data stays where it is needed: never in logs, URLs, mails, the audit log or the participant's pages."""
import logging
import re

from meeting_manager.audit.models import AuditEvent
from meeting_manager.registration import services

PASSPORT, BIRTHPLACE = "P1234567X", "Dakar"


def links(page: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', page)


def test_passport_data_never_leaks(app, db, meeting, register, visa_data, approve, organiser, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    # The SQL echo of the database driver is off in every configuration; it is not the application's log.
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    urls = []
    participant, registration = register(**visa_data)
    approve(registration)
    pages = {}
    for path in ("/my/registrations", f"/my/registrations/{registration.id}",
                 f"/my/registrations/{registration.id}/edit", f"/my/registrations/{registration.id}/travel"):
        response = participant.get(path)
        assert response.status_code == 200
        pages[path] = response.text
        urls += links(response.text)
    for path, page in pages.items():
        assert PASSPORT not in page and BIRTHPLACE not in page and "1985-04-12" not in page, path
    for pdf in ("visa-letter.pdf", "e-ticket.pdf"):
        assert participant.get(f"/my/registrations/{registration.id}/{pdf}").status_code == 200

    organiser_client = app.test_client()
    organiser_client.post("/account/sign-in", data={"email": organiser.email, "password": "correct horse battery"})
    detail = organiser_client.get(f"/meetings/{meeting.id}/registrations/{registration.id}").text
    assert PASSPORT not in detail
    urls += links(detail)
    assert PASSPORT in organiser_client.get(f"/meetings/{meeting.id}/registrations/{registration.id}?visa=1").text

    assert all(PASSPORT not in url and BIRTHPLACE not in url and "@" not in url for url in urls), urls
    assert PASSPORT not in caplog.text and BIRTHPLACE not in caplog.text
    for mail in outbox():
        assert PASSPORT not in mail.subject + mail.text_body + mail.html_body
    for event in db.session.scalars(db.select(AuditEvent)):
        assert PASSPORT not in str(event.details)
    assert PASSPORT not in repr(registration.visa_request)


def test_unexpected_error_with_a_valid_form_logs_no_personal_data(app, meeting, form_data, visa_data, caplog,
                                                                   monkeypatch):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    monkeypatch.setattr(services, "register", lambda *a, **k: 1 / 0)
    response = app.test_client().post(f"/meetings/{meeting.id}/apply", data=form_data(**visa_data))
    assert response.status_code == 500
    assert "Unhandled error" in caplog.text  # the error is logged ...
    for secret in (PASSPORT, BIRTHPLACE, "amina@example.org", "Diallo"):  # ... without what the person typed
        assert secret not in caplog.text
