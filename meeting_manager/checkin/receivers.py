"""What check-in says when the agenda changes: a session with recorded check-ins is not deleted."""
from flask_babel import ngettext
from sqlalchemy import func, select

from ..extensions import db
from ..signals import deleting_session
from .models import Attendance


@deleting_session.connect
def _refuse_deleting_attended(session) -> str | None:
    checked_in = db.session.scalar(select(func.count()).select_from(Attendance)
                                   .where(Attendance.session_id == session.id))
    if not checked_in:
        return None
    return ngettext("%(num)d check-in is recorded for this session: unpublish it instead of deleting it.",
                    "%(num)d check-ins are recorded for this session: unpublish it instead of deleting it.",
                    checked_in)
