"""A job's page, status JSON and download: for the person who started it (and admins) only."""
import re

import pytest
from flask import Blueprint, redirect, url_for
from flask_login import current_user

from meeting_manager.access import SIGNED_IN, allow
from meeting_manager.audit.models import AuditEvent
from meeting_manager.jobs import services
from meeting_manager.jobs.models import Job

from . import kinds  # noqa: F401 - registers the test kinds


@pytest.fixture
def starter(app, db):
    """A route that starts a job as a feature's view does: start_job, commit, redirect to the job's page."""
    bp = Blueprint("job_test", __name__)

    @bp.route("/test-jobs/<kind>", methods=["POST"])
    @allow(SIGNED_IN)
    def start(kind):
        job = services.start_job(kind, actor=current_user, params={"n": 40, "filename": "Liste – Réunion.txt"})
        db.session.commit()
        return redirect(url_for("jobs.show", job_id=job.id))

    app.register_blueprint(bp)


@pytest.fixture
def done_job(db, participant):
    job = services.start_job("test.count", actor=participant, params={"n": 3})
    db.session.commit()
    services.run_job(job.id)
    return job


def test_a_job_started_in_a_request_runs_to_done_and_downloads(app, db, client, auth, participant, starter):
    auth.sign_in(participant)
    response = client.post("/test-jobs/test.count")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job = db.session.scalar(db.select(Job))
    assert job_url == f"/jobs/{job.id}"

    page = client.get(job_url).get_data(as_text=True)
    assert "<h1>Counting</h1>" in page
    assert re.search(r'<progress class="progress" id="job-\d+-bar" max="100" value="100"', page)
    assert f'data-job-status-url="/jobs/{job.id}/status"' in page
    assert 'src="/static/js/jobs.js"' in page and "<script>" not in page

    status = client.get(f"{job_url}/status")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.json == {"status": "done", "percent": 100, "done": 40, "total": 40,
                           "download_url": f"/jobs/{job.id}/download", "error": None, "no_worker": False,
                           "rerun": False, "summary": None, "result_name": "Liste – Réunion.txt"}

    download = client.get(status.json["download_url"])
    assert download.status_code == 200
    assert download.data == "\n".join(str(n) for n in range(1, 41)).encode()
    assert "attachment" in download.headers["Content-Disposition"]
    assert "filename*=UTF-8''Liste%20%E2%80%93%20R%C3%A9union.txt" in download.headers["Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "job.download"))
    assert (event.actor_id, event.subject_id, event.details) == (participant.id, job.id, {"kind": "test.count"})


def test_a_failed_job_shows_its_error(app, db, client, auth, participant, starter):
    auth.sign_in(participant)
    job_url = client.post("/test-jobs/test.refuse").headers["Location"]
    status = client.get(f"{job_url}/status").json
    assert status["status"] == "failed" and status["download_url"] is None
    assert status["error"] == "The badge template of this meeting is missing."
    page = client.get(job_url).get_data(as_text=True)
    assert "The badge template of this meeting is missing." in page
    assert client.get(f"{job_url}/download").status_code == 404


def test_a_queued_job_shows_no_progress_yet(app, db, client, auth, participant):
    job = services.start_job("test.count", actor=participant, params={"n": 3})
    db.session.commit()
    auth.sign_in(participant)
    assert client.get(f"/jobs/{job.id}/status").json == {
        "status": "queued", "percent": 0, "done": 0, "total": 0, "download_url": None, "error": None,
        "no_worker": False, "rerun": False, "summary": None, "result_name": None}
    assert "Waiting to start" in client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert client.get(f"/jobs/{job.id}/download").status_code == 404


@pytest.mark.parametrize("path", ["", "/status", "/download"])
def test_another_user_cannot_see_a_job(client, auth, make_user, done_job, path):
    auth.sign_in(make_user("Someone Else"))
    assert client.get(f"/jobs/{done_job.id}{path}").status_code == 403


@pytest.mark.parametrize("path", ["", "/status", "/download"])
def test_an_organiser_cannot_see_someone_elses_job(client, auth, organiser, done_job, path):
    auth.sign_in(organiser)
    assert client.get(f"/jobs/{done_job.id}{path}").status_code == 403


@pytest.mark.parametrize("path", ["", "/status", "/download"])
def test_an_admin_can_see_a_job(client, auth, admin, done_job, path):
    auth.sign_in(admin)
    assert client.get(f"/jobs/{done_job.id}{path}").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, done_job):
    response = client.get(f"/jobs/{done_job.id}/download")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_a_job_that_does_not_exist(client, auth, admin, participant):
    auth.sign_in(participant)
    assert client.get("/jobs/4242").status_code == 403  # says nothing about which jobs exist
    auth.sign_out()
    auth.sign_in(admin)
    assert client.get("/jobs/4242").status_code == 404


def test_a_cleaned_up_result_is_gone(app, db, client, auth, participant, done_job):
    services.result_file(done_job).unlink()
    auth.sign_in(participant)
    assert client.get(f"/jobs/{done_job.id}/status").json["download_url"] is None
    assert client.get(f"/jobs/{done_job.id}/download").status_code == 404
    assert "no longer kept" in client.get(f"/jobs/{done_job.id}").get_data(as_text=True)


def test_a_meeting_job_page_shows_the_meeting_menu(db, client, auth, organiser, meeting):
    job = services.start_job("test.count", meeting=meeting, actor=organiser, params={"n": 1})
    db.session.commit()
    auth.sign_in(organiser)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'class="meeting-nav"' in page and meeting.title in page
