"""Reports through HTTP and their frames: figures recounted from the rows the test made, privacy, formats, access."""
import csv
import io
import subprocess
from datetime import datetime, time, timedelta

import openpyxl
import pytest

from meeting_manager.audit.models import AuditEvent
from meeting_manager.checkin.models import Attendance, AttendanceKind, CheckInMethod
from meeting_manager.jobs.models import Job, JobStatus
from meeting_manager.registration.models import Gender, RegistrationStatus, VisaRequest
from meeting_manager.reports.frames import Filters, attendance_frames, needs_frames, public_list_frames

S = RegistrationStatus


def check_in(db, meeting, person, day, *, session=None, hour=9, kind=AttendanceKind.check_in, voids=None):
    row = Attendance(meeting_id=meeting.id, registration_id=person.id, kind=kind, day=day,
                     session_id=session.id if session else None,
                     at=datetime.combine(day, time(hour), tzinfo=meeting.tz), method=CheckInMethod.manual,
                     voids_id=voids.id if voids else None)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def held(meeting, db, make_registration, make_checkin_session):
    """Five approved people (two women from KE, a man from FR, a man from BR, a woman from FR), one pending;
    day 1: three came (one check-in voided, so two count), day 2: one; a session on day 1 with one."""
    day1, day2 = meeting.starts_on, meeting.starts_on + timedelta(days=1)
    people = [
        make_registration(meeting, status=S.approved, given_name="Amina", country="KE", dietary="vegan"),
        make_registration(meeting, status=S.approved, given_name="Wanjiru", country="KE", gender=Gender.woman,
                          accessibility="wheelchair", public_listing_consent=True),
        make_registration(meeting, status=S.approved, given_name="Pierre", country="FR", gender=Gender.man,
                          public_listing_consent=True),
        make_registration(meeting, status=S.approved, given_name="João", country="BR", gender=Gender.man,
                          category_code="academia" if any(c.code == "academia" for c in meeting.categories)
                          else "civil_society"),
        make_registration(meeting, status=S.approved, given_name="Eve", family_name="=HYPERLINK(\"http://x\")", country="FR"),
    ]
    make_registration(meeting, status=S.pending, given_name="Pending", dietary="halal")
    session = make_checkin_session(meeting, day1)
    check_in(db, meeting, people[0], day1, hour=9)
    check_in(db, meeting, people[0], day1, hour=11)  # a second check-in: the first time counts
    wrong = check_in(db, meeting, people[1], day1)
    check_in(db, meeting, people[1], day1, kind=AttendanceKind.correction, voids=wrong)
    check_in(db, meeting, people[2], day1)
    check_in(db, meeting, people[4], day1)
    check_in(db, meeting, people[2], day2)
    check_in(db, meeting, people[2], day1, session=session, hour=10)
    return {"people": people, "session": session, "day1": day1, "day2": day2}


def export(client, meeting, key, fmt, **filters):
    response = client.post(f"/meetings/{meeting.id}/reports/{key}/export", data={"format": fmt, **filters})
    assert response.status_code == 303 and "/jobs/" in response.location, response.text[:300]
    job_id = int(response.location.rstrip("/").split("/")[-1])
    return job_id, client.get(f"/jobs/{job_id}/download").data


def pdf_text(tmp_path, pdf: bytes) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_attendance_figures_equal_an_independent_count(app, held, meeting, db):
    frames = attendance_frames(meeting, Filters())
    rates = frames["Rates"].set_index(["day", "list"])
    # recount from the rows: non-voided check-ins of approved people on the day list
    voided = {a.voids_id for a in db.session.scalars(db.select(Attendance)) if a.voids_id}
    approved = {p.id for p in held["people"]}
    for day in (held["day1"], held["day2"]):
        came = {a.registration_id for a in db.session.scalars(db.select(Attendance))
                if a.kind == AttendanceKind.check_in and a.id not in voided and a.day == day
                and a.session_id is None and a.registration_id in approved}
        row = rates.loc[(day, "Meeting day")]
        assert row["attended"] == len(came) and row["approved"] == len(approved)
        assert row["no-shows"] == len(approved) - len(came)
        assert row["rate %"] == round(100 * len(came) / len(approved), 1)
        no_shows = frames["No-shows"]
        assert len(no_shows[no_shows["day"] == day]) == len(approved) - len(came)
    assert rates.loc[(held["day1"], held["session"].title)]["attended"] == 1
    attended = frames["Attended"]
    first = attended[(attended["day"] == held["day1"]) & (attended["list"] == "Meeting day")]
    amina = first[first["name"].str.endswith("Amina")]
    assert amina["first check-in"].iloc[0] == datetime.combine(held["day1"], time(9))
    totals = frames["Totals"]
    women = totals[(totals["day"] == held["day1"]) & (totals["dimension"] == "gender") & (totals["value"] == "woman")]
    women_approved = [p for p in held["people"] if p.gender == Gender.woman]
    assert women["approved"].iloc[0] == len(women_approved)
    assert women["attended"].iloc[0] == 2  # Amina and the "=HYPERLINK" woman; Wanjiru's check-in was voided


def test_attendance_filters_by_day_and_category(app, held, meeting):
    frames = attendance_frames(meeting, Filters(day=held["day2"]))
    assert set(frames["Rates"]["day"]) == {held["day2"]}
    assert list(frames["Rates"]["attended"]) == [1]
    by_session = attendance_frames(meeting, Filters(session=held["session"].id))
    assert list(by_session["Rates"]["attended"]) == [1] and by_session["No-shows"].empty


def test_public_list_leaves_out_those_who_did_not_consent(app, held, meeting):
    frame = public_list_frames(meeting, Filters())["Participants"]
    assert list(frame.columns) == ["name", "organisation", "country"]
    assert sorted(n.split()[0] for n in frame["name"]) == ["Pierre", "Wanjiru"]


def test_caterer_list_has_badge_name_and_needs_only(app, held, meeting):
    frame = needs_frames(meeting, Filters())["Needs"]
    assert list(frame.columns) == ["badge name", "dietary", "accessibility"]
    assert len(frame) == 2  # approved people with a need; the pending one is left out
    assert not frame.astype(str).apply(lambda col: col.str.contains("@")).any().any()  # no emails


def test_csv_and_xlsx_neutralise_formulas_and_keep_types(held, meeting, staff, auth, client, tmp_path):
    auth.sign_in(staff)
    _job, data = export(client, meeting, "attendance", "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    names = [r[2] for r in rows[1:]]
    assert any(n.startswith("'=HYPERLINK") for n in names) and not any(n.startswith("=") for n in names)
    _job, data = export(client, meeting, "attendance", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert {"Attended", "No-shows", "Rates", "Totals"} <= set(book.sheetnames)
    sheet = book["Attended"]
    assert sheet.freeze_panes == "A2"
    values = [c.value for c in sheet["C"][1:]]
    assert all(not str(v).startswith("=") for v in values) and any(str(v).startswith("'=") for v in values)
    assert isinstance(sheet["A2"].value, datetime)  # a day is a date cell
    assert isinstance(sheet["H2"].value, datetime)  # first check-in
    rates = book["Rates"]
    assert isinstance(rates["C2"].value, int) and isinstance(rates["D2"].value, int)


def test_attendance_pdf_holds_the_figures(held, meeting, staff, auth, client, tmp_path):
    auth.sign_in(staff)
    _job, data = export(client, meeting, "attendance", "pdf", day=held["day1"].isoformat())
    assert data.startswith(b"%PDF")
    text = pdf_text(tmp_path, data)
    assert "Attendance rate" in text and "Pierre" in text
    rate_line = next(line for line in text.splitlines() if "Meeting day" in line and held["day1"].isoformat() in line)
    assert rate_line.split()[-4:] == ["5", "3", "2", "60.0"]


def test_balance_pdf_and_xlsx(held, meeting, organiser, auth, client, tmp_path, db):
    auth.sign_in(organiser)
    _job, data = export(client, meeting, "balance", "pdf")
    text = pdf_text(tmp_path, data)
    assert "Balance report" in text and "Over the editions" in text
    _job, data = export(client, meeting, "balance", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    cube = book["Region x gender x category"]
    header = [c.value for c in cube[1]]
    approved = sum(row[header.index("approved")] for row in cube.iter_rows(min_row=2, values_only=True))
    attended = sum(row[header.index("attended")] for row in cube.iter_rows(min_row=2, values_only=True))
    assert approved == len(held["people"]) and attended == 3  # Amina, Pierre, "=HYPERLINK" came on a day


def test_every_export_is_audited_without_personal_data(held, meeting, staff, auth, client, db):
    auth.sign_in(staff)
    job_id, _data = export(client, meeting, "needs", "csv", category="civil_society")
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "reports.export")).one()
    assert event.actor_id == staff.id and event.meeting_id == meeting.id and event.subject_id == job_id
    assert event.details == {"report": "needs", "format": "csv", "filters": {"category": "civil_society"}}
    assert db.session.get(Job, job_id).status == JobStatus.done


def test_staff_get_attendance_but_not_visa_or_balance(held, meeting, staff, auth, client):
    auth.sign_in(staff)
    page = client.get(f"/meetings/{meeting.id}/reports")
    assert page.status_code == 200 and "Attendance" in page.text and "Visa-letter list" not in page.text
    assert "Balance report" not in page.text
    for key in ("visa", "balance", "participants_internal"):
        assert client.post(f"/meetings/{meeting.id}/reports/{key}/export", data={"format": "csv"}).status_code == 403
    export(client, meeting, "attendance", "csv")


def test_visa_list_for_organisers_is_audited(held, meeting, organiser, auth, client, db):
    from datetime import date

    db.session.add(VisaRequest(registration_id=held["people"][0].id, passport_number="X1234567",
                               passport_expiry=date(2030, 1, 1), date_of_birth=date(1980, 5, 6),
                               place_of_birth="Nairobi"))
    db.session.commit()
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/reports")
    assert page.status_code == 200 and "X1234567" in page.text
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "reports.preview")).first()
    _job, data = export(client, meeting, "visa", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Visa letters"]
    assert sheet["D2"].value == "X1234567" and isinstance(sheet["E2"].value, datetime)


def test_bad_filters_are_refused_with_a_message(held, meeting, staff, auth, client, db):
    auth.sign_in(staff)
    response = client.post(f"/meetings/{meeting.id}/reports/attendance/export",
                           data={"format": "pdf", "day": "1999-01-01"}, follow_redirects=True)
    assert "Choose one of the meeting" in response.text
    assert db.session.scalars(db.select(Job)).first() is None


def test_participant_gets_no_reports(meeting, participant, auth, client):
    auth.sign_in(participant)
    assert client.get(f"/meetings/{meeting.id}/reports").status_code == 403


@pytest.mark.parametrize("fmt, total", [("xlsx", 1 + 4), ("pdf", 1 + 3), ("csv", 2)])
def test_render_report_reports_each_step(app, held, meeting, fmt, total):
    from meeting_manager.reports.registry import BY_KEY, render_report

    steps = []
    body, _name = render_report(BY_KEY["attendance"], meeting, Filters(), fmt, lambda done, n: steps.append((done, n)))
    assert body
    assert steps == [(i, total) for i in range(1, total + 1)]  # tables built, then each sheet / PDF stage


def test_attendance_pdf_lists_day_names_and_counts_sessions(held, meeting, staff, auth, client, tmp_path):
    auth.sign_in(staff)
    _job, data = export(client, meeting, "attendance", "pdf")
    text = pdf_text(tmp_path, data)
    day1 = held["day1"].isoformat()
    attended = text.split(f"Attended: {day1}")[1].split("No-shows")[0]
    no_shows = text.split(f"No-shows: {day1}")[1].split("Attended:")[0]
    assert "Amina" in attended and "Pierre" in attended and "Wanjiru" not in attended  # her check-in was voided
    assert "Wanjiru" in no_shows and "João" in no_shows and "Amina" not in no_shows
    # once per day (came or not); his session on day 1 is a counted row, not another list with his name
    from meeting_manager.checkin.services import meeting_days

    assert text.count("Pierre") == len(meeting_days(meeting))
