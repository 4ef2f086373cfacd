"""Jobs through their services: start after commit, progress seen by others, a file, failures with a message."""
import logging
from datetime import timedelta

import pytest

from meeting_manager.jobs import services
from meeting_manager.jobs.models import Job, JobStatus
from meeting_manager.models_base import utcnow

from . import kinds  # noqa: F401 - registers the test kinds


def start(db, kind, actor=None, meeting=None, **params) -> Job:
    job = services.start_job(kind, meeting=meeting, actor=actor, params=params)
    db.session.commit()
    return job


def test_a_job_runs_to_done_with_its_file(app, db, participant):
    job = start(db, "test.count", actor=participant, n=5)
    assert job.status == JobStatus.queued  # outside a request, under TESTING, it waits for run_job

    services.run_job(job.id)

    assert job.status == JobStatus.done
    assert (job.done, job.total, job.percent) == (5, 5, 100)
    assert job.started_at <= job.finished_at
    path = services.result_file(job)
    assert path == app.config["STORAGE_DIR"].resolve() / "jobs" / str(job.id) / "count.txt"
    assert path.read_bytes() == b"1\n2\n3\n4\n5"
    assert job.result_name == "count.txt" and job.created_by_id == participant.id


def test_progress_is_committed_as_it_goes(app, db, participant):
    app.config["JOBS_PROGRESS_SECONDS"] = 0
    job = start(db, "test.observe", actor=participant)
    services.run_job(job.id)
    assert services.result_file(job).read_text() == "2/4 running"


def test_a_job_runs_once(app, db, participant):
    job = start(db, "test.count", actor=participant, n=3)
    services.run_job(job.id)
    finished_at = job.finished_at
    services.run_job(job.id)  # e.g. a task delivered twice
    assert job.finished_at == finished_at and job.status == JobStatus.done
    assert services.run_job(987654) is None


def test_a_job_without_a_file(app, db, participant):
    job = start(db, "test.nothing", actor=participant)
    services.run_job(job.id)
    assert job.status == JobStatus.done and job.percent == 100
    assert services.result_file(job) is None


def test_a_refused_job_fails_with_its_message(app, db, participant):
    job = start(db, "test.refuse", actor=participant)
    services.run_job(job.id)
    assert job.status == JobStatus.failed
    assert job.error == "The badge template of this meeting is missing."
    assert job.finished_at is not None and services.result_file(job) is None


def test_a_crashed_job_fails_without_personal_data_in_its_error_or_the_log(app, db, participant, caplog):
    job = start(db, "test.crash", actor=participant)
    with caplog.at_level(logging.DEBUG):
        services.run_job(job.id)
    assert job.status == JobStatus.failed
    assert f"job {job.id}" in job.error and "amina" not in job.error.lower()
    assert "RuntimeError" in caplog.text and "kinds.py" in caplog.text
    assert "amina" not in caplog.text.lower()


def test_unicode_file_name_is_kept_for_the_download(app, db, participant):
    job = start(db, "test.count", actor=participant, n=1, filename="../Badges – Réunion 会议.txt")
    services.run_job(job.id)
    assert job.result_name == "Badges – Réunion 会议.txt"
    assert services.result_file(job).parent == app.config["STORAGE_DIR"].resolve() / "jobs" / str(job.id)


def test_an_unknown_kind_is_refused(app, db):
    with pytest.raises(KeyError):
        services.start_job("no.such.kind", params={})


def test_a_rolled_back_start_leaves_no_job(app, db, participant):
    services.start_job("test.count", actor=participant, params={"n": 1})
    db.session.rollback()
    assert db.session.scalars(db.select(Job)).all() == []


def test_cleanup_deletes_old_results_requeues_lost_jobs_once_and_fails_the_rest(app, db, runner, participant):
    old = start(db, "test.count", actor=participant, n=2)
    recent = start(db, "test.count", actor=participant, n=2)
    lost_once = start(db, "test.count", actor=participant, n=2)
    lost_twice = start(db, "test.count", actor=participant, n=2)
    never_taken = start(db, "test.count", actor=participant, n=2)
    services.run_job(old.id)
    services.run_job(recent.id)
    old_folder = services.result_file(old).parent
    old.finished_at = utcnow() - timedelta(days=8)
    silent = utcnow() - timedelta(seconds=services.LOST_SECONDS + 5)
    lost_once.status, lost_once.updated_at, lost_once.attempts = JobStatus.running, silent, 1
    lost_twice.status, lost_twice.updated_at, lost_twice.attempts = JobStatus.running, silent, 2
    never_taken.updated_at = utcnow() - timedelta(hours=services.STALE_HOURS + 1)
    db.session.commit()

    result = runner.invoke(args=["jobs", "cleanup", "--days", "7"])

    assert result.exit_code == 0, result.output
    assert "Deleted 1 old results; 1 lost jobs re-queued; 2 marked failed." in result.output
    assert old.result_path is None and not old_folder.exists()
    assert services.result_file(recent) is not None
    assert lost_once.status == JobStatus.queued and lost_once.attempts == 1
    assert lost_twice.status == JobStatus.failed and "interrupted" in lost_twice.error
    assert never_taken.status == JobStatus.failed and "interrupted" in never_taken.error


def test_cli_runs_a_queued_job(app, db, runner, participant):
    job = start(db, "test.count", actor=participant, n=2)
    result = runner.invoke(args=["jobs", "run", str(job.id)])
    assert result.exit_code == 0 and f"Job {job.id}: done" in result.output
    assert runner.invoke(args=["jobs", "run", "99999"]).exit_code != 0
