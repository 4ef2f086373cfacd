"""The badge batch job: render the chosen badges into one PDF and log who printed them."""
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..access import STAFF
from ..extensions import db
from ..jobs.services import job_kind
from ..meetings.models import Meeting
from .formats import FORMATS
from .render import render_badges_pdf
from .services import badge_data, badge_holders, log_prints, meeting_logo


def describe_batch(job) -> str:
    """'258 badges, A6, one badge a page': the count and the format of a finished batch."""
    fmt = FORMATS.get(job.params.get("format", "a6"))
    return ngettext("%(num)s badge, %(format)s", "%(num)s badges, %(format)s", job.total,
                    format=fmt.label if fmt else job.params.get("format", ""))


@job_kind("badges.batch", title=_l("Badge batch"), describe=describe_batch,
          rule_for=lambda job: STAFF)
def render_badge_batch(job, progress):
    """params: registration_ids (chosen when the batch was asked for) and format."""
    meeting = db.session.get(Meeting, job.meeting_id)
    people = badge_holders(meeting, registration_ids=job.params["registration_ids"])
    fmt = job.params.get("format", "a6")
    logo = meeting_logo(meeting)
    # Unchanged chunks come from this cache, so a reprint of an unchanged batch only joins them.
    cache = Path(current_app.config["STORAGE_DIR"]) / "badge-cache"
    pdf = render_badges_pdf([badge_data(r, meeting, logo) for r in people], fmt, cache_dir=cache, progress=progress)
    log_prints(meeting, people, actor_id=job.created_by_id, job_id=job.id, fmt=fmt)
    return pdf, f"badges-{meeting.id}-{fmt}.pdf"
