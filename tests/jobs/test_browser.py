"""In a real browser, the job's page follows the job: its bar moves, then the download link appears (jobs.js)."""
import time
import uuid

import pytest

from conftest import BROWSER_ARGS, CHROMIUM, PASSWORD, sign_in_browser
from meeting_manager.accounts.services import create_user
from meeting_manager.extensions import db
from meeting_manager.jobs.models import Job, JobStatus

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def wait_until(read, expected, seconds=20):
    deadline = time.monotonic() + seconds
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def test_the_page_follows_the_job_until_its_download(shared_db_app, served):
    owner = create_user(f"{uuid.uuid4().hex[:8]}@example.org", "Owner", PASSWORD)
    db.session.flush()
    job = Job(kind="test.count", created_by_id=owner.id, params={}, status=JobStatus.running, done=1, total=4)
    db.session.add(job)
    db.session.commit()

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page()
        console_errors = sign_in_browser(page, served, owner.email)
        page.goto(f"{served}/jobs/{job.id}")

        def bar():
            return page.eval_on_selector("progress", "element => element.value")

        assert bar() == 25

        job.done = 2
        db.session.commit()
        assert wait_until(bar, 50) == 50
        assert page.inner_text(".job-state") == "Working: 50 %"
        assert page.is_hidden(".job-download")

        folder = shared_db_app.config["STORAGE_DIR"] / "jobs" / str(job.id)
        folder.mkdir(parents=True)
        (folder / "count.txt").write_text("1 2 3 4")
        job.status, job.done = JobStatus.done, 4
        job.result_path, job.result_name = f"jobs/{job.id}/count.txt", "count.txt"
        db.session.commit()
        assert wait_until(lambda: page.is_visible(".job-download"), True)
        assert bar() == 100 and page.inner_text(".job-state") == "Done."
        assert page.get_attribute(".job-download a", "href") == f"/jobs/{job.id}/download"
        browser.close()
    assert not [error for error in console_errors if "Content Security Policy" in error]
