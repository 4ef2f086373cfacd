"""The job that accepts a suggested set: thousands of approvals take longer than a request may."""
from contextlib import nullcontext

import pandas as pd
from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..exports import csv_bytes
from ..extensions import db
from ..jobs.services import job_kind
from ..meetings.models import Meeting
from .services import accept_suggestion, labels_for
from .wording import finding_text

#: approvals per transaction: the meeting's lock is held for one chunk at a time, so that other decisions (and, on
#: SQLite, the job's own progress writes) are not kept waiting for the whole set
CHUNK = 250


@job_kind("balance.accept_suggestion", title=_l("Accepting suggested decisions"))
def accept_suggestion_job(job, progress):
    """params: registration_ids, in the solver's approval order. Each chunk of approvals commits on its own:
    a job stopped half-way leaves approvals that each kept every rule, and the rest undecided."""
    meeting = db.session.get(Meeting, job.meeting_id)
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    ids, rows, labels = list(job.params["registration_ids"]), [], labels_for(meeting)
    # One request context for the mails' links, rather than one per link (outside a request each builds its own).
    with _links_context():
        for start in range(0, len(ids), CHUNK):
            done = accept_suggestion(meeting, ids[start:start + CHUNK], actor=actor)
            rows += [_outcome_row(*outcome, labels) for outcome in done["outcomes"]]
            db.session.commit()
            progress(min(start + CHUNK, len(ids)), len(ids))
    # The file says who was approved and who was skipped and why (it holds names: only its creator sees it).
    return csv_bytes(pd.DataFrame(rows, columns=[str(c) for c in COLUMNS])), f"accepted-{meeting.id}.csv"


COLUMNS = (_l("Registration"), _l("Name"), _l("Outcome"), _l("Why"))
OUTCOMES = {"approved": _l("approved"), "decided": _l("skipped: decided meanwhile"),
            "refused": _l("skipped: no longer keeps every rule")}


def _outcome_row(registration, registration_id, outcome, findings, labels) -> tuple:
    return (registration_id, registration.badge_name if registration else "", str(OUTCOMES[outcome]),
            " ".join(finding_text(f, labels) for f in findings))


def _links_context():
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["SERVER_NAME_FOR_LINKS"])
