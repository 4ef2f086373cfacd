"""Badge batches through HTTP: a background job per batch, the print log, reprints, design, access."""
import subprocess

import pytest

from meeting_manager.badges.models import BadgePrint
from meeting_manager.jobs.models import Job, JobStatus
from meeting_manager.registration.models import RegistrationStatus

S = RegistrationStatus


def pages(tmp_path, pdf: bytes) -> int:
    path = tmp_path / "batch.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def print_batch(client, meeting, **form):
    response = client.post(f"/meetings/{meeting.id}/badges", data={"format": "a6", **form})
    assert response.status_code == 302 and "/jobs/" in response.location, response.text[:300]
    return int(response.location.rstrip("/").split("/")[-1])


def test_a_batch_prints_every_approved_badge_and_logs_it(meeting, staff, auth, client, db, make_registration,
                                                          tmp_path):
    people = [make_registration(meeting, status=S.approved, given_name=name) for name in ("Łukasz", "محمد", "王芳")]
    make_registration(meeting, status=S.pending)
    auth.sign_in(staff)
    job_id = print_batch(client, meeting)
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.done and job.percent == 100
    pdf = client.get(f"/jobs/{job_id}/download").data
    assert pdf.startswith(b"%PDF") and pages(tmp_path, pdf) == 3
    logged = db.session.scalars(db.select(BadgePrint.registration_id)).all()
    assert sorted(logged) == sorted(p.id for p in people)


def test_only_unprinted_leaves_out_those_already_printed(meeting, staff, auth, client, db, make_registration,
                                                         tmp_path):
    first = make_registration(meeting, status=S.approved)
    auth.sign_in(staff)
    print_batch(client, meeting)
    make_registration(meeting, status=S.approved)
    job_id = print_batch(client, meeting, only_unprinted="y")
    assert pages(tmp_path, client.get(f"/jobs/{job_id}/download").data) == 1
    assert first.id not in db.session.get(Job, job_id).params["registration_ids"]
    empty = client.post(f"/meetings/{meeting.id}/badges", data={"format": "a6", "only_unprinted": "y"},
                        follow_redirects=True)
    assert "nothing to print" in empty.text


def test_a_sheet_format_puts_four_badges_on_a_page(meeting, staff, auth, client, make_registration, tmp_path):
    for _ in range(5):
        make_registration(meeting, status=S.approved)
    auth.sign_in(staff)
    job_id = print_batch(client, meeting, format="a4-4")
    assert pages(tmp_path, client.get(f"/jobs/{job_id}/download").data) == 2


def test_a_reprint_prints_one_badge_and_refuses_a_declined_one(meeting, staff, auth, client, db, make_registration):
    approved = make_registration(meeting, status=S.approved)
    declined = make_registration(meeting, status=S.declined)
    auth.sign_in(staff)
    response = client.post(f"/meetings/{meeting.id}/badges/{approved.id}/reprint", data={"format": "cr80"})
    assert "/jobs/" in response.location
    client.post(f"/meetings/{meeting.id}/badges/{declined.id}/reprint", data={"format": "a6"})
    assert db.session.scalar(db.select(db.func.count()).select_from(BadgePrint)) == 1


def test_a_reprint_in_an_unknown_format_is_refused_before_any_job(meeting, staff, auth, client, db,
                                                                   make_registration):
    """Found by the walker: the format went unchecked into a job that then failed."""
    from meeting_manager.jobs.models import Job

    approved = make_registration(meeting, status=S.approved)
    auth.sign_in(staff)
    response = client.post(f"/meetings/{meeting.id}/badges/{approved.id}/reprint", data={"format": "a0-poster"},
                           follow_redirects=True)
    assert "Choose one of the badge formats." in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_organisers_set_colours_and_a_logo_and_bad_ones_are_refused(meeting, organiser, auth, client, db):
    auth.sign_in(organiser)
    category = meeting.categories[0]
    client.post(f"/meetings/{meeting.id}/badges/design", data={f"colour-{category.id}": "red"})
    db.session.refresh(category)
    assert category.colour != "red"
    client.post(f"/meetings/{meeting.id}/badges/design",
                data={f"colour-{category.id}": "#112233", "logo": (__import__("io").BytesIO(b"not an image"), "x.png")},
                content_type="multipart/form-data")
    db.session.refresh(meeting)
    assert meeting.logo_path is None and db.session.get(type(category), category.id).colour != "#112233"
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8"
                        "ffff3f0005fe02fea7d6a4a90000000049454e44ae426082")
    client.post(f"/meetings/{meeting.id}/badges/design",
                data={f"colour-{category.id}": "#112233", "logo": (__import__("io").BytesIO(png), "logo.png")},
                content_type="multipart/form-data")
    db.session.refresh(meeting)
    assert meeting.logo_path and db.session.get(type(category), category.id).colour == "#112233"


@pytest.mark.parametrize("who", ["participant", "other_staff"])
def test_badges_are_for_the_meetings_staff_only(who, meeting, make_meeting, make_user, auth, client):
    other = make_meeting(title="Another meeting")
    user = make_user(roles=[(other, "staff")] if who == "other_staff" else [])
    auth.sign_in(user)
    assert client.get(f"/meetings/{meeting.id}/badges").status_code == 403
    assert client.post(f"/meetings/{meeting.id}/badges", data={"format": "a6"}).status_code == 403


def test_staff_cannot_change_the_design(meeting, staff, auth, client):
    auth.sign_in(staff)
    assert client.post(f"/meetings/{meeting.id}/badges/design", data={}).status_code == 403


def test_progress_moves_chunk_by_chunk_and_the_finished_job_says_what_it_made(meeting, staff, auth, client, db,
                                                                               make_registration, monkeypatch):
    """Defect 8: a batch reports progress as its chunks finish (not 0 % until the end), and the finished job names
    its count, format and file."""
    from meeting_manager.badges import render

    seen = []
    real = render.render_badges_pdf

    def recording(badges, fmt="a6", **kwargs):
        given = kwargs.pop("progress")
        return real(badges, fmt, **kwargs, progress=lambda done, total: (seen.append((done, total)),
                                                                        given(done, total)))

    monkeypatch.setattr("meeting_manager.badges.jobs.render_badges_pdf", recording)
    for _ in range(30):
        make_registration(meeting, status=S.approved)
    auth.sign_in(staff)
    job_id = print_batch(client, meeting, format="a6")
    steps = sorted({done for done, _total in seen})
    assert len([d for d in steps if 0 < d < 30]) >= 3, seen  # several steps between the first and the last
    status = client.get(f"/jobs/{job_id}/status").get_json()
    assert status["summary"] == "30 badges, A6, one badge a page"
    page = client.get(f"/jobs/{job_id}").text
    assert "30 badges, A6, one badge a page" in page and f"badges-{meeting.id}-a6.pdf" in page
