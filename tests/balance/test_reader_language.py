"""The balance pages, the job and the API in the reader's language (issue 13): region names, dates in the meeting's
zone, numbers and percentages written by Babel, plural forms, and a job that speaks its starter's language."""
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import force_locale

from meeting_manager.reference.services import region_label
from meeting_manager.registration.models import RegistrationStatus

S = RegistrationStatus


def _reader(user, locale, db):
    user.locale = locale
    db.session.commit()


def test_the_review_queue_names_regions_and_times_in_the_reader_s_language(meeting, organiser, auth, client, db,
                                                                           make_registration):
    # 23:30 UTC is already the next day in Berlin, the meeting's zone
    submitted = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)
    make_registration(meeting, country="KE", submitted_at=submitted)
    _reader(organiser, "es", db)
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/registrations").text
    with force_locale("es"):
        african = region_label("African States")
    assert african != "African States" and f"<td>{african}<br>" in page
    local = submitted.astimezone(ZoneInfo(meeting.timezone))
    assert format_date(local, "medium", locale="es") in page and format_time(local, "HH:mm", locale="es") in page
    assert "2026-03-15" not in page and "2026-03-14" not in page
    filters = re.search(r'<select[^>]*name="region".*?</select>', page, re.S).group(0)
    assert f">{african}</option>" in filters and ">African States<" not in filters


def test_accepting_suggestions_on_a_worker_speaks_the_organiser_s_language(app, make_meeting, make_user, auth,
                                                                           client, db, make_registration,
                                                                           monkeypatch):
    from meeting_manager.balance.jobs import OUTCOMES
    from meeting_manager.jobs.dispatch import run_in_app_context
    from meeting_manager.jobs.models import Job

    monkeypatch.setitem(app.config, "JOBS_RUNNER", "off")  # nothing runs in the request: a worker takes it later
    meeting = make_meeting(capacity=1)
    organiser = make_user(roles=[(meeting, "organiser")])
    _reader(organiser, "es", db)
    people = [make_registration(meeting) for _ in range(2)]
    auth.sign_in(organiser)
    started = client.post(f"/meetings/{meeting.id}/suggestions",
                          data={"registration_ids": [p.id for p in people], "confirm": "1"})
    job_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    assert db.session.get(Job, job_id).params["locale"] == "es"
    run_in_app_context(app, "jobs.run", job_id)  # as a thread or a Celery worker runs it: no request, no reader
    report = client.get(f"/jobs/{job_id}/download").get_data().decode("utf-8-sig")
    with force_locale("es"):
        refused, approved = str(OUTCOMES["refused"]), str(OUTCOMES["approved"])
    assert refused != str(OUTCOMES["refused"]) and refused in report and f",{approved}," in report
    assert "Approving would put the meeting" not in report and "Registration" not in report.splitlines()[0]
