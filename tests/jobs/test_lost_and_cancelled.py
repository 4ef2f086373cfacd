"""A job whose run was lost (its process died) is queued again once, from its page or the periodic watch; staff
cancel or restart a job from its page; a run that lost its job drops its work."""
from datetime import timedelta

from meeting_manager.jobs import services
from meeting_manager.jobs.models import Job, JobStatus
from meeting_manager.models_base import utcnow

from . import kinds  # noqa: F401 - registers the test kinds


def lost(db, job: Job, attempts: int = 1) -> Job:
    """As a job is left when its worker is killed mid-run: running, its heartbeat silent for over a minute."""
    job.status, job.attempts, job.done, job.total = JobStatus.running, attempts, 10, 20
    job.updated_at = utcnow() - timedelta(seconds=services.LOST_SECONDS + 5)
    db.session.commit()
    return job


def test_the_page_of_a_lost_job_queues_it_again_and_it_runs_to_done(db, client, auth, participant):
    job = lost(db, services.start_job("test.count", actor=participant, params={"n": 3}))
    db.session.commit()
    auth.sign_in(participant)

    client.get(f"/jobs/{job.id}/status")  # the page polls; the re-queued job runs at the end of that request

    db.session.refresh(job)
    assert job.status == JobStatus.done and job.attempts == 2
    assert services.result_file(job).read_bytes() == b"1\n2\n3"


def test_a_job_lost_on_its_last_run_fails_with_a_message(db, client, auth, participant):
    job = lost(db, services.start_job("test.count", actor=participant, params={"n": 3}), attempts=2)
    auth.sign_in(participant)
    status = client.get(f"/jobs/{job.id}/status").json
    assert status["status"] == "failed" and "interrupted" in status["error"]


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(db, participant):
    job = services.start_job("test.count", actor=participant, params={"n": 3})
    db.session.commit()
    job.status, job.attempts, job.updated_at = JobStatus.running, 1, utcnow() - timedelta(seconds=5)
    db.session.commit()
    assert services.requeue_lost_jobs() == {"requeued": 0, "failed": 0}
    assert job.status == JobStatus.running


def test_a_run_beats_while_it_works(shared_db_app):
    """The heartbeat writes on its own connection, from its own thread: a database others can open."""
    from meeting_manager.extensions import db

    shared_db_app.config["JOBS_HEARTBEAT_SECONDS"] = 0.05
    job = services.start_job("test.wait_for_heartbeat", params={})
    db.session.commit()
    services.run_job(job.id)
    assert job.status == JobStatus.done, job.error
    assert services.result_file(job).read_text() == "beat"


def test_cancel_stops_a_running_job_and_restart_runs_it_again(db, client, auth, participant):
    job = services.start_job("test.cancel_itself", actor=participant, params={"n": 3})
    db.session.commit()
    services.run_job(job.id)  # it is cancelled mid-run (as from its page), then reports progress
    db.session.refresh(job)
    assert job.status == JobStatus.cancelled and job.result_path is None  # the run stopped; its work dropped

    auth.sign_in(participant)
    page = client.get(f"/jobs/{job.id}").text
    assert "Cancelled." in page and "Start this job again" in page
    job.kind = "test.count"
    db.session.commit()
    assert client.post(f"/jobs/{job.id}/restart").status_code == 303
    db.session.refresh(job)
    assert job.status == JobStatus.done and services.result_file(job).read_bytes() == b"1\n2\n3"
    assert client.post(f"/jobs/{job.id}/restart").status_code == 303  # a done job: refused, nothing changes
    db.session.refresh(job)
    assert job.status == JobStatus.done


def test_cancel_from_the_page_of_a_queued_job(db, client, auth, participant, make_user):
    job = services.start_job("test.count", actor=participant, params={"n": 3})
    db.session.commit()
    auth.sign_in(make_user("Someone Else"))
    assert client.post(f"/jobs/{job.id}/cancel").status_code == 403
    auth.sign_in(participant)
    assert "Cancel this job" in client.get(f"/jobs/{job.id}").text
    assert client.post(f"/jobs/{job.id}/cancel").status_code == 303
    db.session.refresh(job)
    assert job.status == JobStatus.cancelled
    assert services.run_job(job.id).status == JobStatus.cancelled  # a worker that gets it later does nothing
