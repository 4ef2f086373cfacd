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


def _marked_plurals(app, monkeypatch, locale: str, template: str) -> None:
    """A catalog for `locale` in which each plural message of `template` reads "<form index>:" + its plural msgid:
    a page then shows which of the language's forms each count chose (Arabic has six)."""
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file
    from babel.messages.mofile import write_mo
    from babel.support import Translations
    from flask_babel import get_domain

    catalog = Catalog(locale=locale, fuzzy=False)  # a fuzzy header would be left out, and its plural rule with it
    for _line, message, _comments, _context in extract_from_file("jinja2.ext:babel_extract", template):
        if isinstance(message, tuple):
            catalog.add(message, tuple(f"{locale.upper()}{i}:{message[1]}" for i in range(catalog.num_plurals)))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    monkeypatch.setitem(get_domain().cache, (locale, "messages"), Translations(buffer))
    monkeypatch.setitem(app.config, "LANGUAGES", ("en", locale))


def test_the_arabic_dashboard_counts_in_arabic_plural_forms_with_babel_shares_and_mirrored_charts(
        app, monkeypatch, make_meeting, make_user, auth, client, db, make_delegation, make_registration):
    from babel.numbers import format_percent

    from meeting_manager.balance import services
    from meeting_manager.registration.models import Gender

    _marked_plurals(app, monkeypatch, "ar", "templates/balance/_dashboard_body.html")
    meeting = make_meeting(capacity=3)
    services.save_policy(meeting, {"mix_min_size": 2}, [], actor=None)
    delegation = make_delegation(meeting, seats=5, name="Ruritania")
    for _ in range(2):
        make_registration(meeting, gender=Gender.man, status=S.approved, delegation=delegation)
    organiser = make_user(roles=[(meeting, "organiser")])
    _reader(organiser, "ar", db)
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/balance").text
    assert 'dir="rtl"' in page
    assert "AR3:of" in page  # 3 seats: Arabic's form for 3 to 10
    assert "AR2:" in page and "AR3:5 seats" in page  # two members (the dual), of five seats
    share = format_percent(2 / 3, "#,##0.0%", locale="ar")
    assert share in page and "66.7 %" not in page
    # the bars' labels are on the right and written right to left
    label = re.search(r'<text x="([\d.]+)"[^>]*direction="rtl"[^>]*class="chart-label"', page)
    assert label and float(label.group(1)) > 560 / 2


def test_the_french_dashboard_writes_shares_and_days_as_french_does(meeting, organiser, auth, client, db,
                                                                    make_registration):
    from babel.numbers import format_percent

    make_registration(meeting, status=S.approved)
    _reader(organiser, "fr", db)
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/balance").text
    assert format_percent(1 / meeting.capacity, "#,##0.0%", locale="fr") in page and "0.3 %" not in page
    today = datetime.now(UTC).date()
    assert format_date(today, "medium", locale="fr") in page and f">{today.isoformat()}" not in page
    assert 'direction="rtl"' not in page


def test_the_api_speaks_the_accept_language_and_english_otherwise(api, client, meeting, organiser, make_api_token,
                                                                  db):
    from flask_babel import gettext

    token = make_api_token(organiser, ["read"])
    _reader(organiser, "fr", db)  # the owner's language on the pages, and the pages' cookie: neither is the API's
    client.set_cookie("lang", "fr")
    path = "/api/v1/meetings/999999"
    with force_locale("es"):
        spanish = gettext("No such meeting.")
    assert spanish != "No such meeting."
    assert api.get(path, token=token, headers={"Accept-Language": "es"}).json["detail"] == spanish
    assert api.get(path, token=token, headers={"Accept-Language": "de"}).json["detail"] == "No such meeting."
    assert api.get(path, token=token).json["detail"] == "No such meeting."


def test_the_api_balance_summary_gives_every_row_a_code_and_its_params(api, meeting, organiser, make_api_token, db,
                                                                       make_registration):
    from meeting_manager.balance import services

    services.save_policy(meeting, {"mix_min_size": None}, [
        {"dimension": "gender", "value": "woman", "unit": "seats", "minimum": None, "maximum": 1},
        {"dimension": "gender", "value": "man", "unit": "seats", "minimum": 2, "maximum": None}], actor=None)
    db.session.commit()
    make_registration(meeting, status=S.approved)
    summary = api.get(f"/api/v1/meetings/{meeting.id}/balance", token=make_api_token(organiser, ["read"]),
                      headers={"Accept-Language": "es"}).json
    rows = {row["value"]: row for row in summary["bounds"]}
    assert rows[None]["code"] == "summary.capacity.ok" and rows[None]["params"]["seats_left"] == meeting.capacity - 1
    assert (rows["woman"]["code"], rows["woman"]["params"]["approved"], rows["woman"]["params"]["max_seats"]) == \
        ("summary.bound.full", 1, 1)
    assert (rows["man"]["code"], rows["man"]["params"]["min_seats"]) == ("summary.bound.short", 2)
    assert all(row["sentence"] for row in summary["bounds"])


def test_the_openapi_document_says_how_the_language_is_chosen(client):
    document = client.get("/api/v1/openapi.json").json
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert all(any(p["name"] == "Accept-Language" and p["in"] == "header" for p in op["parameters"])
               for op in operations)
    error = document["components"]["schemas"]["Problem"]["properties"]["errors"]["items"]["properties"]
    assert {"code", "params", "detail"} <= set(error)
    assert "Accept-Language" in document["info"]["description"]
