"""The job that accepts a suggested set: thousands of approvals take longer than a request may."""
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..extensions import db
from ..jobs.services import job_kind
from ..meetings.models import Meeting
from .services import accept_suggestion


@job_kind("balance.accept_suggestion", title=_l("Accepting suggested decisions"))
def accept_suggestion_job(job, progress):
    """params: registration_ids, in the solver's approval order. Approvals commit when the job ends."""
    meeting = db.session.get(Meeting, job.meeting_id)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    accept_suggestion(meeting, job.params["registration_ids"], actor=actor, progress=progress)
    return None
