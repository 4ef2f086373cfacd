"""Reports through HTTP and their frames: figures recounted from the rows the test made, privacy, formats, access."""
import csv
import io
import subprocess
from datetime import datetime, time, timedelta

import openpyxl
import pandas as pd
import pytest
from babel.dates import format_date

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
        make_registration(meeting, status=S.approved, given_name="=HYPERLINK(\"http://x\")", family_name="Eve",
                          country="FR"),
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
    amina = first[first["name"].str.startswith("Amina ")]
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
    # XLSX text cells are strings, which spreadsheets never evaluate: kept exactly, without the CSV apostrophe
    assert any(str(v).startswith("=HYPERLINK") for v in values)
    assert all(c.data_type == "s" for c in sheet["C"][1:] if c.value)
    assert isinstance(sheet["A2"].value, datetime)  # a day is a date cell
    assert isinstance(sheet["H2"].value, datetime)  # first check-in
    rates = book["Rates"]
    assert isinstance(rates["C2"].value, int) and isinstance(rates["E2"].value, int)  # approved, attended


def test_attendance_pdf_holds_the_figures(held, meeting, staff, auth, client, tmp_path):
    auth.sign_in(staff)
    _job, data = export(client, meeting, "attendance", "pdf", day=held["day1"].isoformat())
    assert data.startswith(b"%PDF")
    text = pdf_text(tmp_path, data)
    assert "Attendance rate" in text and "Pierre" in text
    day = format_date(held["day1"], "medium", locale="en")  # as the reader's language writes it (Babel)
    rate_line = next(line for line in text.splitlines() if "Meeting day" in line and day in line)
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
    assert sheet["A1"].value == "name in passport" and sheet["A2"].value == held["people"][0].name_for("letter")
    assert sheet["C2"].value == "X1234567" and isinstance(sheet["D2"].value, datetime)


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


def test_attendance_pdf_lists_no_shows_per_day_and_a_register_of_days_and_sessions(held, meeting, staff, auth,
                                                                                    client, tmp_path, db):
    """Per day, who did not come; then the register: a line per person with the first check-in time of each day
    and a mark per session (● came, ○ signed up and did not come, · neither)."""
    from meeting_manager.agenda.models import SessionSignup
    from meeting_manager.reports.registry import CAME, MISSED

    people, session = held["people"], held["session"]
    pierre, joao, wanjiru = people[2], people[3], people[1]
    db.session.add_all([SessionSignup(session_id=session.id, registration_id=joao.id),
                        SessionSignup(session_id=session.id, registration_id=pierre.id)])
    db.session.commit()
    auth.sign_in(staff)
    _job, data = export(client, meeting, "attendance", "pdf")
    text = pdf_text(tmp_path, data)
    day1 = format_date(held["day1"], "medium", locale="en")  # as the report writes it
    no_shows = text.split(f"No-shows: {day1}")[1].split("No-shows:")[0]
    assert "Wanjiru" in no_shows and "João" in no_shows  # her check-in was voided
    assert "Amina" not in no_shows and "Pierre" not in no_shows
    register = text.split("Register")[-1]
    lines = {person.given_name: next(line for line in register.splitlines() if person.given_name in line)
             for person in (pierre, joao, wanjiru)}
    from meeting_manager.checkin.services import meeting_days

    days = len(meeting_days(meeting))  # a column per day, then one per session: the only session here
    later = ["·"] * (days - 2)
    # Pierre: day 1 at 09:00 (his first check-in), day 2 at 09:00, came to the session he signed up for
    assert lines["Pierre"].split()[:days + 1] == ["09:00", "09:00", *later, CAME]
    assert lines["João"].split()[:days + 1] == ["·", "·", *later, MISSED]  # signed up, never came
    assert lines["Wanjiru"].split()[:days + 1] == ["·"] * (days + 1)
    assert session.title in register  # the sessions' legend
    frames = attendance_frames(meeting, Filters())
    row = frames["Rates"].set_index("list").loc[session.title]
    assert (row["signed up"], row["attended"], row["no-shows"]) == (2, 1, 1)
    missed = frames["No-shows"][frames["No-shows"]["list"] == session.title]
    assert list(missed["name"]) == [joao.name_for("list")]


# --- figures recounted from the ORM rows (issue #7) ------------------------------------------------------------------

#: the UN Regional Group of each country these tests use (from countries.csv); XK is in none: "unassigned"
UN_GROUP = {"KE": "African States", "NG": "African States", "FR": "Western European and Others States",
            "BR": "Latin American and Caribbean States", "IN": "Asia-Pacific States"}


def _registrations_of(db, meeting):
    from meeting_manager.registration.models import Registration

    return [r for r in db.session.scalars(db.select(Registration)) if r.meeting_id == meeting.id]


def _came_on_a_day(db, meeting) -> set[int]:
    """Registration ids with a check-in on a meeting-day list (not a session's) that no correction voids."""
    rows = [a for a in db.session.scalars(db.select(Attendance)) if a.meeting_id == meeting.id]
    voided = {a.voids_id for a in rows if a.voids_id}
    return {a.registration_id for a in rows
            if a.kind == AttendanceKind.check_in and a.session_id is None and a.id not in voided}


def test_delegation_report_equals_a_recount_of_registrations(app, db, meeting, make_meeting, make_delegation,
                                                            make_registration, make_invitation):
    from meeting_manager.delegations.models import Delegation
    from meeting_manager.reports.frames import delegation_frames

    kenya = make_delegation(meeting, name="Kenya", kind="state", country="KE", seats=3)
    ngo = make_delegation(meeting, name="Civil Peace Network", kind="ngo", country="FR", seats=2)
    make_delegation(meeting, name="Empty University", kind="academic", country="BR", seats=1)
    for status, given, gender in ((S.approved, "Amina", Gender.woman), (S.approved, "Otieno", Gender.man),
                                  (S.pending, "Njeri", Gender.woman), (S.cancelled, "Kamau", Gender.man)):
        make_registration(meeting, status=status, given_name=given, gender=gender, category_code="state",
                          delegation=kenya)
    for status, given in ((S.pending, "Claire"), (S.waitlisted, "Louis"), (S.declined, "Marie")):
        make_registration(meeting, status=status, given_name=given, country="FR", delegation=ngo)
    make_registration(meeting, status=S.approved, given_name="Alone")  # in no delegation: in no row
    # an open nomination of the NGO: listed with its invitation's status, and it holds a seat
    nominee, _token = make_invitation(meeting, given_name="Nadia", family_name="Nominee", delegation=ngo)
    other = make_meeting(title="Regional Meeting")
    make_registration(other, status=S.approved, given_name="Elsewhere",
                      delegation=make_delegation(other, name="Kenya", country="KE"))

    frames = delegation_frames(meeting, Filters())

    delegations = sorted((d for d in db.session.scalars(db.select(Delegation)) if d.meeting_id == meeting.id),
                         key=lambda d: d.name)
    registrations = _registrations_of(db, meeting)
    expected_summary = []
    expected_members = []
    holding = {S.approved, S.pending, S.waitlisted}  # declined and cancelled give their seat back
    for d in delegations:
        mine = [r for r in registrations if r.delegation_id == d.id]
        nominated = [nominee] if d.id == ngo.id else []
        expected_summary.append({"delegation": d.name, "kind": d.kind.value, "country": d.country_code,
                                 "seats": d.seats,
                                 "seats taken": sum(r.status in holding for r in mine) + len(nominated),
                                 "members": len(mine) + len(nominated),
                                 "approved": sum(r.status == S.approved for r in mine)})
        expected_members += [(d.name, r.name_for("list"), r.category.name, r.status.value)
                             for r in mine]
        expected_members += [(d.name, "Nadia NOMINEE", "", nominee.status.value) for _ in nominated]
    assert frames["Delegations"].to_dict("records") == expected_summary  # in name order, one row per delegation
    assert sorted(frames["Members"].itertuples(index=False, name=None)) == sorted(expected_members)

    summary = frames["Delegations"].set_index("delegation")
    # The values the recount must have found, so that a wrong fixture cannot make both sides agree on nothing:
    # "members" lists everyone of any status; "seats taken" leaves out the cancelled and declined, as the focal
    # point's page does (delegations/services.seats_taken)
    assert summary.loc["Kenya", ["seats", "seats taken", "members", "approved"]].tolist() == [3, 3, 4, 2]
    # pending, waitlisted and declined members plus an open nomination; none approved
    assert summary.loc["Civil Peace Network", ["seats taken", "members", "approved"]].tolist() == [3, 4, 0]
    assert summary.loc["Empty University", ["seats taken", "members", "approved"]].tolist() == [0, 0, 0]
    # People who are not approved are listed with their own status (the focal point's nominations show) ...
    members = frames["Members"]
    ngo_members = members[members["delegation"] == "Civil Peace Network"]
    assert sorted(ngo_members["status"]) == sorted(["declined", "pending", "waitlisted", nominee.status.value])
    # nobody outside a delegation, nor anyone of another meeting's delegation, is listed
    assert not members["name"].str.endswith(("Alone", "Elsewhere")).any()
    assert len(frames["Delegations"]) == 3


def test_speaker_report_equals_the_agenda_with_day_and_session_filters(app, db, meeting, make_meeting,
                                                                       make_registration, make_room,
                                                                       make_agenda_session):
    from meeting_manager.agenda.models import PersonRole, Session, SessionPerson
    from meeting_manager.reports.frames import speaker_frames

    day1, day2 = meeting.starts_on, meeting.starts_on + timedelta(days=1)
    amina = make_registration(meeting, status=S.approved, given_name="Amina", organisation="Peace Institute")
    pierre = make_registration(meeting, status=S.approved, given_name="Pierre", gender=Gender.man, country="FR",
                               organisation="Université de Lyon")
    hall = make_room(meeting, "Main Hall")
    opening = make_agenda_session(meeting, "Opening plenary", day=day1, start="09:30", end="10:30", kind="plenary",
                                  room=hall, speakers=[amina])
    opening.people += [SessionPerson(role=PersonRole.speaker, name="Outside Expert", organisation="UNOG", position=1),
                       SessionPerson(role=PersonRole.moderator, registration=pierre, position=2),
                       SessionPerson(role=PersonRole.rapporteur, name="Note Taker", position=3)]
    # 00:30 on day 2 in Berlin is 22:30 UTC on day 1: the day filter must use the meeting's clock
    late = make_agenda_session(meeting, "Late side event", day=day2, start="00:30", end="01:30", kind="side_event",
                               speakers=[pierre])
    late.people.append(SessionPerson(role=PersonRole.rapporteur, registration=amina, position=1))
    make_agenda_session(meeting, "Lunch", day=day2, start="12:00", end="13:00", kind="break")  # nobody on a panel
    gone = make_registration(meeting, status=S.cancelled, given_name="Gone")
    make_agenda_session(meeting, "Closing", day=day2, start="16:00", end="17:00", speakers=[gone])
    other = make_meeting(title="Regional Meeting")
    make_agenda_session(other, "Elsewhere", day=other.starts_on,
                        speakers=[make_registration(other, status=S.approved, given_name="Stranger")])
    db.session.commit()

    def expected(day=None, session_id=None):
        rows = []
        for s in db.session.scalars(db.select(Session)):
            starts = s.starts_at.astimezone(meeting.tz).replace(tzinfo=None)
            if s.meeting_id != meeting.id or day not in (None, starts.date()) or session_id not in (None, s.id):
                continue
            for p in s.people:
                rows.append((p.registration.badge_name if p.registration else p.name, p.role.value,
                             p.registration.organisation if p.registration else p.organisation,
                             p.registration.status.value if p.registration else "guest", s.title, starts,
                             s.ends_at.astimezone(meeting.tz).replace(tzinfo=None), s.room.name if s.room else ""))
        return sorted(rows)

    def report(**filters):
        frame = speaker_frames(meeting, Filters(**filters))["Speakers"]
        assert list(frame["starts"]) == sorted(frame["starts"])  # in time order
        return sorted((r[0], r[1], r[2], r[3], r[4], r[5].to_pydatetime(), r[6].to_pydatetime(), r[7])
                      for r in frame.itertuples(index=False, name=None))

    everyone = report()
    assert everyone == expected()
    # 4 on the opening panel, 2 at the side event, 1 at the closing; the break and the other meeting: none
    assert len(everyone) == 7
    assert sorted(r[1] for r in everyone) == ["moderator", "rapporteur", "rapporteur", "speaker", "speaker",
                                              "speaker", "speaker"]
    # a speaker who cancelled is shown as cancelled (no longer coming); outside names as guests
    assert {r[0]: r[3] for r in everyone}[gone.badge_name] == "cancelled"
    assert {r[0]: r[3] for r in everyone}["Outside Expert"] == "guest"
    assert report(day=day1) == expected(day=day1) and len(report(day=day1)) == 4
    on_day2 = report(day=day2)
    assert on_day2 == expected(day=day2) and {r[4] for r in on_day2} == {"Late side event", "Closing"}
    late_rows = [r for r in on_day2 if r[4] == "Late side event"]
    assert {r[5] for r in late_rows} == {datetime.combine(day2, time(0, 30))}  # wall-clock time, naive
    assert report(day=meeting.ends_on) == []
    assert report(session=late.id) == expected(session_id=late.id) and len(report(session=late.id)) == 2
    assert report(day=day1, session=late.id) == []  # both filters apply
    pierre_rows = [r for r in everyone if r[0] == pierre.badge_name]
    assert sorted((r[1], r[2]) for r in pierre_rows) == [("moderator", "Université de Lyon"),
                                                         ("speaker", "Université de Lyon")]


def test_balance_report_recounts_approved_and_attended_against_the_policy(app, db, meeting, make_meeting,
                                                                          make_registration, make_checkin_session):
    from meeting_manager.balance.models import BoundUnit
    from meeting_manager.balance.services import save_policy
    from meeting_manager.reports.frames import balance_frames

    # the previous edition, two years earlier, with its own people and attendance
    start = meeting.starts_on - timedelta(days=730)
    previous = make_meeting(title="Global Meeting 2024", edition=4, starts_on=start, ends_on=start + timedelta(1),
                            capacity=120)
    was = [make_registration(previous, status=S.approved, given_name="Old1", country="KE"),
           make_registration(previous, status=S.approved, given_name="Old2", country="NG"),
           make_registration(previous, status=S.approved, given_name="Old3", gender=Gender.man, country="FR"),
           make_registration(previous, status=S.approved, given_name="Press", gender=Gender.man,
                             category_code="press")]
    make_registration(previous, status=S.pending, given_name="OldPending")
    check_in(db, previous, was[0], start)
    check_in(db, previous, was[3], start + timedelta(1))
    voided = check_in(db, previous, was[1], start)
    check_in(db, previous, was[1], start, kind=AttendanceKind.correction, voids=voided)
    meeting.previous_id = previous.id
    db.session.commit()

    M = Gender.man
    approved = [
        make_registration(meeting, status=S.approved, given_name="Amina", country="KE"),
        make_registration(meeting, status=S.approved, given_name="Otieno", gender=M, country="KE",
                          category_code="state"),
        make_registration(meeting, status=S.approved, given_name="Ngozi", country="NG", category_code="academia"),
        make_registration(meeting, status=S.approved, given_name="Claire", country="FR"),
        make_registration(meeting, status=S.approved, given_name="Louis", gender=M, country="FR"),
        make_registration(meeting, status=S.approved, given_name="Ana", gender=Gender.another, country="BR"),
        make_registration(meeting, status=S.approved, given_name="Arta", country="XK"),  # region "unassigned"
        make_registration(meeting, status=S.approved, given_name="Reporter", country="KE", category_code="press"),
    ]
    pending = make_registration(meeting, status=S.pending, given_name="Pending", country="KE")
    make_registration(meeting, status=S.waitlisted, given_name="Waiting", gender=M, country="FR")
    make_registration(meeting, status=S.declined, given_name="Declined", country="KE")
    make_registration(meeting, status=S.cancelled, given_name="Cancelled", country="IN")
    amina, otieno, ngozi, claire, louis, _ana, arta, reporter = approved
    day1, day2 = meeting.starts_on, meeting.starts_on + timedelta(1)
    session = make_checkin_session(meeting, day1)
    check_in(db, meeting, amina, day1, hour=9)
    check_in(db, meeting, amina, day2, hour=9)  # came twice: one person
    check_in(db, meeting, otieno, day2)
    wrong = check_in(db, meeting, ngozi, day1)
    check_in(db, meeting, ngozi, day1, kind=AttendanceKind.correction, voids=wrong)  # voided: did not come
    check_in(db, meeting, claire, day1, session=session)  # a session only, never a day list: not counted
    check_in(db, meeting, louis, day1)
    check_in(db, meeting, louis, day1, kind=AttendanceKind.check_out, hour=17)
    check_in(db, meeting, arta, day2)
    check_in(db, meeting, reporter, day1)  # press: attended, but outside balance
    check_in(db, meeting, pending, day1)  # not approved: counted nowhere

    bounds = [{"dimension": "region", "value": "African States", "unit": BoundUnit.seats, "minimum": 4, "maximum": 6},
              {"dimension": "region", "value": "Western European and Others States", "unit": BoundUnit.seats,
               "maximum": 2},
              {"dimension": "region", "value": "Eastern European States", "unit": BoundUnit.seats, "minimum": 1},
              {"dimension": "gender", "value": "woman", "unit": BoundUnit.percent, "maximum": 60},
              {"dimension": "gender", "value": "man", "unit": BoundUnit.seats, "maximum": 1}]
    save_policy(meeting, {"mix_min_size": None}, bounds, actor=None)
    db.session.commit()

    frames = balance_frames(meeting, Filters())

    registrations = _registrations_of(db, meeting)
    came = _came_on_a_day(db, meeting)
    ok = [r for r in registrations if r.status == S.approved]
    region = lambda r: UN_GROUP.get(r.represented_country, "unassigned")  # noqa: E731
    cube = {}
    for r in ok:
        key = (region(r), r.gender.value, r.category.name, r.category.counts_toward_balance)
        figures = cube.setdefault(key, {"approved": 0, "attended": 0})
        figures["approved"] += 1
        figures["attended"] += r.id in came
    got = {(row["region"], row["gender"], row["category"], bool(row["counts toward balance"])):
           {"approved": row["approved"], "attended": row["attended"]}
           for row in frames["Region x gender x category"].to_dict("records")}
    assert got == cube
    assert sum(v["approved"] for v in got.values()) == 8 and sum(v["attended"] for v in got.values()) == 5

    counting = [r for r in ok if r.category.counts_toward_balance]
    region_gender = {}
    for r in counting:
        figures = region_gender.setdefault((region(r), r.gender.value), [0, 0])
        figures[0] += 1
        figures[1] += r.id in came
    rg = frames["Region x gender"]
    assert {(x.region, x.gender): [x.approved, x.attended] for x in rg.itertuples()} == region_gender

    # Against the policy: the bounds in seats of the capacity (60 % of 300 = 180), beside the recounted figures
    def group(dimension, value):
        return [r for r in counting if (region(r) if dimension == "region" else r.gender.value) == value]

    expected = {}
    for bound, label, minimum, maximum in (
            (bounds[0], "African States", 4, 6), (bounds[1], "Western European and Others States", None, 2),
            (bounds[2], "Eastern European States", 1, None), (bounds[3], "women", None, meeting.capacity * 60 // 100),
            (bounds[4], "men", None, 1)):
        people = group(bound["dimension"], bound["value"])
        n = len(people)
        state = ("over" if maximum is not None and n > maximum else "full" if n == maximum else
                 "short" if minimum and n < minimum else "ok")
        expected[(bound["dimension"], label)] = {
            "minimum": minimum, "maximum": maximum, "approved": n, "attended": sum(r.id in came for r in people),
            "share of capacity %": round(100 * n / meeting.capacity, 1), "state": state}
    policy = frames["Against the policy"]
    got = {(row["dimension"], row["group"]): {k: (None if row[k] is pd.NA else row[k]) for k in expected[
        (row["dimension"], row["group"])]} for row in policy.to_dict("records")}
    assert got == expected
    # every state occurs once, so that the recount of each is checked
    assert sorted(v["state"] for v in expected.values()) == ["full", "ok", "over", "short", "short"]

    # Editions: this one, then the previous one with its own figures
    def edition(m):
        rows = _registrations_of(db, m)
        yes = [r for r in rows if r.status == S.approved]
        counted = [r for r in yes if r.category.counts_toward_balance]
        attended = len({r.id for r in yes} & _came_on_a_day(db, m))
        genders = {g.value: sum(r.gender == g for r in counted) for g in Gender}
        return {"edition": m.title, "year": m.starts_on.year, "capacity": m.capacity, "approved": len(yes),
                "attended": attended, "attended %": round(100 * attended / len(yes), 1),
                **{f"counted for balance: {g}": n for g, n in genders.items()},
                "women %": round(100 * genders["woman"] / len(counted), 1)}

    editions = frames["Editions"].to_dict("records")
    assert editions == [edition(meeting), edition(previous)]
    assert (editions[1]["approved"], editions[1]["attended"], editions[1]["counted for balance: woman"]) == (4, 2, 2)


def test_attendance_xlsx_has_typed_cells_frozen_headers_and_a_sheet_per_table(held, meeting, staff, auth, client,
                                                                              db):
    from meeting_manager.checkin.services import meeting_days

    auth.sign_in(staff)
    _job, data = export(client, meeting, "attendance", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Attended", "No-shows", "Rates", "Totals"]

    def rows(name):
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name  # the header row stays in view
        header = [c.value for c in sheet[1]]
        assert all(c.font.b for c in sheet[1]), name
        return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]

    days = meeting_days(meeting)
    approved = held["people"]
    log = list(db.session.scalars(db.select(Attendance)))
    voided = {a.voids_id for a in log if a.voids_id}
    came = {day: {a.registration_id for a in log if a.kind == AttendanceKind.check_in and a.id not in voided
                  and a.day == day and a.session_id is None and a.registration_id in {p.id for p in approved}}
            for day in days}

    def is_day(cell, day=None):
        assert cell.is_date and cell.number_format == "yyyy-mm-dd", (cell.coordinate, cell.value)
        assert cell.value.time() == time(0) and cell.value.date() in days
        return cell.value.date() == day if day else True

    rates = rows("Rates")
    for row in rates:
        assert is_day(row["day"])
        for column in ("approved", "attended"):
            assert row[column].data_type == "n" and isinstance(row[column].value, int)
        assert row["rate %"].data_type == "n" and isinstance(row["rate %"].value, (int, float))
    day_rates = {r["day"].value.date(): r for r in rates if r["list"].value == "Meeting day"}
    assert sorted(day_rates) == days
    for day, row in day_rates.items():
        n = len(came[day])
        assert (row["approved"].value, row["attended"].value, row["no-shows"].value) == (5, n, 5 - n)
        assert row["no-shows"].data_type == "n"
        assert row["rate %"].value == pytest.approx(round(100 * n / 5, 1))
    session_rate = next(r for r in rates if r["list"].value == held["session"].title)
    assert session_rate["attended"].value == 1 and session_rate["no-shows"].value is None  # no no-shows for sessions

    attended = rows("Attended")
    assert len(attended) == sum(len(c) for c in came.values()) + 1  # the day lists and Pierre's session
    for row in attended:
        assert is_day(row["day"])
        moment = row[f"first check-in ({meeting.timezone})"]
        assert moment.is_date and moment.number_format == "yyyy-mm-dd hh:mm"
        assert moment.value.date() == row["day"].value.date()
    amina = next(r for r in attended if r["name"].value.startswith("Amina "))
    assert amina[f"first check-in ({meeting.timezone})"].value == datetime.combine(held["day1"], time(9))  # local
    pierre_session = next(r for r in attended if r["list"].value == held["session"].title)
    assert pierre_session[f"first check-in ({meeting.timezone})"].value == datetime.combine(held["day1"], time(10))

    no_shows = rows("No-shows")
    assert len(no_shows) == sum(5 - len(c) for c in came.values())
    assert all(is_day(r["day"]) for r in no_shows)

    totals = rows("Totals")
    for row in totals:
        assert is_day(row["day"])
        assert all(row[c].data_type == "n" for c in ("approved", "attended", "rate %"))
        assert isinstance(row["approved"].value, int) and isinstance(row["attended"].value, int)
    regions = {UN_GROUP[p.represented_country] for p in approved}
    genders = {p.gender.value for p in approved}
    categories = {p.category.name for p in approved}
    assert len(totals) == len(days) * (len(regions) + len(genders) + len(categories))
    women_day1 = next(r for r in totals if is_day(r["day"], held["day1"]) and r["dimension"].value == "gender"
                      and r["value"].value == "woman")
    women = {p.id for p in approved if p.gender == Gender.woman}
    assert (women_day1["approved"].value, women_day1["attended"].value) == (len(women),
                                                                            len(women & came[held["day1"]]))


def test_the_register_continues_in_another_when_sessions_do_not_fit_a_line(app, held, meeting, db,
                                                                          make_checkin_session, make_registration,
                                                                          monkeypatch):
    """Past SESSIONS_PER_REGISTER sessions, a second register holds the rest, with only the people it concerns;
    days are in the first register only."""
    from meeting_manager.reports import registry

    monkeypatch.setattr(registry, "SESSIONS_PER_REGISTER", 1)
    later = make_checkin_session(meeting, held["day2"], title="Second workshop", start=time(15))
    amina = held["people"][0]
    check_in(db, meeting, amina, held["day2"], session=later, hour=15)
    lists = registry.attendance_lists(attendance_frames(meeting, Filters()))

    first, second = lists["registers"]
    days = len(lists["days"])
    assert first["header"].split() == [f"D{n}" for n in range(1, days + 1)] + ["1"]
    assert second["header"].split() == ["2"]
    people_lines = "\n".join(first["blocks"]).splitlines()
    assert len(people_lines) == len(held["people"])  # everyone approved, came or not
    # a namesake from the same country is a line of their own, not merged into Amina's
    twin = make_registration(meeting, status=S.approved, given_name="Amina", family_name=amina.family_name,
                             country="KE")
    check_in(db, meeting, twin, held["day1"], hour=8)
    lists = registry.attendance_lists(attendance_frames(meeting, Filters()))
    first, second = lists["registers"]
    amina_lines = [line for line in "\n".join(first["blocks"]).splitlines()
                   if line.endswith(f"{amina.name_for('list')} (KE)")]
    assert sorted(line.split()[0] for line in amina_lines) == ["08:00", "09:00"]
    (line,) = "\n".join(second["blocks"]).splitlines()
    assert line.split(maxsplit=1) == [registry.CAME, f"{amina.name_for('list')} (KE)"]


def test_a_session_report_registers_only_those_the_session_concerns(app, held, meeting, db):
    from meeting_manager.agenda.models import SessionSignup
    from meeting_manager.reports.registry import CAME, MISSED, attendance_lists

    joao = held["people"][3]
    db.session.add(SessionSignup(session_id=held["session"].id, registration_id=joao.id))
    db.session.commit()
    lists = attendance_lists(attendance_frames(meeting, Filters(session=held["session"].id)))
    assert lists["days"] == [] and lists["no_shows"] == []
    (register,) = lists["registers"]
    assert Filters(session=held["session"].id, category="state").describe(meeting) == [
        ("session", held["session"].title), ("category", "State representative")]  # as the PDF's heading says
    lines = sorted(line.split(maxsplit=1) for line in "\n".join(register["blocks"]).splitlines())
    pierre = held["people"][2]  # the only one checked in at the session; João signed up and did not come

    def line_name(person):
        return f"{person.name_for('list')} ({person.represented_country})"

    assert lines == sorted([[CAME, line_name(pierre)], [MISSED, line_name(joao)]])


def test_sessions_of_one_title_on_one_day_are_told_apart_by_their_time(app, held, meeting, db, make_checkin_session):
    from meeting_manager.reports.registry import CAME, attendance_lists

    again = make_checkin_session(meeting, held["day1"], title=held["session"].title, start=time(15))
    amina = held["people"][0]
    check_in(db, meeting, amina, held["day1"], session=again, hour=15)
    frames = attendance_frames(meeting, Filters())
    rates = frames["Rates"].set_index("list")
    title = held["session"].title
    assert rates.loc[f"{title} (10:00)", "attended"] == 1 and rates.loc[f"{title} (15:00)", "attended"] == 1
    lists = attendance_lists(frames)
    (register,) = lists["registers"]
    days = len(lists["days"])
    line = next(line for line in "\n".join(register["blocks"]).splitlines()
                if line.endswith(f"{amina.name_for('list')} (KE)"))
    assert line.split()[days:days + 2] == ["·", CAME]  # not Pierre's morning session, her afternoon one
