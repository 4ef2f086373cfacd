"""Balance pages through HTTP: policy, review queue and decisions, suggestions, dashboard and its exports."""
import io
import subprocess

import openpyxl
import pytest

from meeting_manager.audit.models import AuditEvent
from meeting_manager.balance import services
from meeting_manager.registration.models import Gender, RegistrationStatus

S = RegistrationStatus


def policy_form(meeting, client, **bounds):
    """The policy page's own form, with some bounds filled in (name -> (minimum, maximum))."""
    page = client.get(f"/meetings/{meeting.id}/policy").text
    import re

    data = {"decision_mode": "manual", "mix_min_size": "3"}
    for i, name in re.findall(r'name="bounds-(\d+)-value"[^>]*value="([^"]*)"', page):
        minimum, maximum = bounds.get(name, ("", ""))
        data |= {f"bounds-{i}-dimension": re.search(rf'name="bounds-{i}-dimension"[^>]*value="([^"]*)"', page)[1],
                 f"bounds-{i}-value": name, f"bounds-{i}-unit": "seats", f"bounds-{i}-minimum": minimum,
                 f"bounds-{i}-maximum": maximum}
    return data


def test_an_organiser_saves_a_policy_and_an_impossible_one_is_refused(meeting, organiser, auth, client, db):
    auth.sign_in(organiser)
    saved = client.post(f"/meetings/{meeting.id}/policy", data=policy_form(meeting, client, man=("", "5")))
    assert saved.status_code == 302
    assert services.build_policy(meeting).bound_for("gender", "man").max_seats == 5
    refused = client.post(f"/meetings/{meeting.id}/policy",
                          data=policy_form(meeting, client, woman=("200", ""), man=("200", "")))
    assert refused.status_code == 422 and "300" in refused.text
    assert services.build_policy(meeting).bound_for("gender", "woman") is None


def test_the_review_queue_shows_what_approving_would_do(meeting, organiser, auth, client, make_registration):
    services.save_policy(meeting, {"mix_min_size": None}, [{"dimension": "gender", "value": "man", "unit": "seats",
                                                            "minimum": None, "maximum": 0}], actor=None)
    make_registration(meeting, given_name="Ünal", gender=Gender.man)
    make_registration(meeting, given_name="Wanjiru", gender=Gender.woman, country="KE")
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/registrations")
    assert "Approving would put men at 1 of 0 seats" in page.text
    filtered = client.get(f"/meetings/{meeting.id}/registrations?status=pending&gender=woman")
    assert "Wanjiru" in filtered.text and "Ünal" not in filtered.text


def test_a_violation_is_refused_without_a_reason_and_approved_with_one(meeting, organiser, auth, client, db,
                                                                        make_registration):
    services.save_policy(meeting, {}, [{"dimension": "gender", "value": "man", "unit": "seats", "maximum": 0}],
                         actor=None)
    db.session.commit()
    person = make_registration(meeting, gender=Gender.man)
    auth.sign_in(organiser)
    client.post(f"/meetings/{meeting.id}/registrations/decide",
                data={"registration_ids": [person.id], "outcome": "approved"})
    db.session.refresh(person)
    assert person.status == S.pending
    client.post(f"/meetings/{meeting.id}/registrations/decide",
                data={"registration_ids": [person.id], "outcome": "approved", "override_reason": "Keynote"})
    db.session.refresh(person)
    assert person.status == S.approved
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "registration.override"))


def test_suggestions_are_accepted_in_one_step(make_meeting, make_user, auth, client, db, make_registration):
    meeting = make_meeting(capacity=3)
    organiser = make_user(roles=[(meeting, "organiser")])
    people = [make_registration(meeting) for _ in range(5)]
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/suggestions")
    assert "These 3 registrations can be approved together" in page.text
    asked = client.post(f"/meetings/{meeting.id}/suggestions", data={"registration_ids": [p.id for p in people[:3]]})
    assert "Yes, approve these 3 registrations" in asked.text  # the confirmation step
    client.post(f"/meetings/{meeting.id}/suggestions", data={"registration_ids": [p.id for p in people[:3]],
                                                             "confirm": "1"})
    assert [db.session.get(type(p), p.id).status for p in people] == [S.approved] * 3 + [S.pending] * 2


def test_the_dashboard_counts_and_exports(meeting, organiser, auth, client, db, make_registration, tmp_path):
    for gender, status in [(Gender.woman, S.approved), (Gender.man, S.approved), (Gender.woman, S.pending)]:
        make_registration(meeting, gender=gender, status=status, country="KE")
    auth.sign_in(organiser)
    page = client.get(f"/meetings/{meeting.id}/balance")
    assert page.status_code == 200 and "2</strong> of 300 seats approved" in page.text.replace("\n", "")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/meetings/{meeting.id}/balance.xlsx").data))
    grid = workbook["Region x gender"]
    rows = {(r[0], r[1]): r[2:] for r in grid.iter_rows(min_row=2, values_only=True)}
    assert rows[("African States", "woman")] == (1, 1, 0) and rows[("African States", "man")] == (1, 0, 0)
    pdf = client.get(f"/meetings/{meeting.id}/balance.pdf").data
    assert pdf.startswith(b"%PDF")
    (tmp_path / "b.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "b.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "African States" in text and "Balance of registrations" in text
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "balance.export")) == 2


@pytest.mark.parametrize("path", ["policy", "registrations", "suggestions", "balance", "balance.pdf", "balance.csv"])
def test_staff_cannot_see_balance_pages(meeting, staff, auth, client, path):
    auth.sign_in(staff)
    assert client.get(f"/meetings/{meeting.id}/{path}").status_code == 403
