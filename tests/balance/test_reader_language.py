"""The balance pages, the job and the API in the reader's language (issue 13): region names, dates in the meeting's
zone, numbers and percentages written by Babel, plural forms, and a job that speaks its starter's language."""
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import force_locale, refresh

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
