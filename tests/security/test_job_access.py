"""Finding 6: a job's page and file are checked against the current roles of whoever asks, not only against who
started the job: an organiser whose role is revoked no longer downloads the visa list they exported."""
import pytest

from conftest import AuthActions
from meeting_manager.accounts.models import MeetingRoleName
from meeting_manager.accounts.services import revoke_meeting_role
from meeting_manager.jobs.models import Job


@pytest.fixture
def exported(app, db, organiser, meeting, register, approve, visa_data):
    approve(register(**visa_data)[1])
    client = app.test_client()
    AuthActions(client).sign_in(organiser)
    response = client.post(f"/meetings/{meeting.id}/reports/visa/export", data={"format": "xlsx"})
    assert response.status_code == 303
    job = db.session.scalar(db.select(Job).order_by(Job.id.desc()))
    assert client.get(f"/jobs/{job.id}/download").status_code == 200
    return client, job


@pytest.mark.parametrize("path", ["", "/status", "/download"])
def test_a_revoked_organiser_cannot_open_the_job_anymore(app, db, exported, organiser, meeting, admin, path):
    client, job = exported
    revoke_meeting_role(organiser, meeting, MeetingRoleName.organiser, actor=admin)
    db.session.commit()
    AuthActions(client).sign_in(organiser)  # the revocation ended the session: signed in again
    assert client.get(f"/jobs/{job.id}{path}").status_code == 403


def test_staff_demoted_from_organiser_cannot_open_an_organisers_report(app, db, exported, organiser, meeting,
                                                                        admin):
    """Still in the meeting, as staff: the visa list is an organiser's report, so its file is closed to them."""
    from meeting_manager.accounts.services import grant_meeting_role

    client, job = exported
    grant_meeting_role(organiser, meeting, MeetingRoleName.staff, actor=admin)
    revoke_meeting_role(organiser, meeting, MeetingRoleName.organiser, actor=admin)
    db.session.commit()
    AuthActions(client).sign_in(organiser)
    assert client.get(f"/jobs/{job.id}/download").status_code == 403
