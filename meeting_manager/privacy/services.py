"""What is held about a person, handed over on request; erasure of a person; retention per meeting.

Export walks the schema: every row of the account and of its registrations, and every row of any table that
points at them, so that a new feature's data is in the export without anyone remembering to add it. Erasure and
retention are announced with signals (meeting_manager.signals) and each feature erases its own data.
"""
import io
import json
import zipfile
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from ..accounts import throttle
from ..accounts.models import User
from ..audit.services import record
from ..captcha import services as captcha
from ..errors import DomainError
from ..extensions import db
from ..jobs.dispatch import task
from ..meetings.models import Meeting
from ..meetings.readonly import changes_allowed
from ..models_base import utcnow
from ..registration import documents
from ..registration.models import Registration, RegistrationStatus, VisaRequest
from ..signals import erasing_person, retention_due
from .models import ErasureRequest

#: columns that are secrets of the system, not data about the person
SECRET_COLUMNS = {"password_hash", "token_hash", "key_hash", "badge_token", "submission_key"}


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _rows(table, column, ids) -> list[dict]:
    if not ids:
        return []
    rows = db.session.execute(select(table).where(table.c[column].in_(ids))).mappings()
    return [{k: _plain(v) for k, v in row.items() if k not in SECRET_COLUMNS} for row in rows]


def personal_data(user: User) -> dict:
    """Everything held about the account's owner, table by table."""
    registration_ids = list(db.session.scalars(select(Registration.id).where(Registration.user_id == user.id)))
    held = {"users": _rows(User.__table__, "id", [user.id]),
            "registrations": _rows(Registration.__table__, "id", registration_ids)}
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            target = key.column.table.name
            if target in ("users", "registrations") and table.name not in held:
                ids = [user.id] if target == "users" else registration_ids
                if rows := _rows(table, key.parent.name, ids):
                    held[table.name] = rows
    return held


def export_archive(user: User) -> bytes:
    """A ZIP with data.json (personal_data) and the person's documents (visa letters, e-tickets)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(personal_data(user), ensure_ascii=False, indent=2, default=str))
        for registration in db.session.scalars(select(Registration).where(Registration.user_id == user.id)):
            if registration.status != RegistrationStatus.approved:
                continue
            archive.writestr(f"documents/e-ticket-{registration.id}.pdf", documents.render_e_ticket(registration))
            if registration.visa_request is not None:
                archive.writestr(f"documents/visa-letter-{registration.id}.pdf",
                                 documents.render_visa_letter(registration))
    record("privacy.export", actor=user, subject=user)
    return buffer.getvalue()


def request_erasure(user: User) -> ErasureRequest:
    """The participant asks for their data to be erased; an admin does it (some data may have to be kept, e.g.
    while the meeting runs, and the admin tells them)."""
    pending = db.session.scalar(select(ErasureRequest).where(
        ErasureRequest.user_id == user.id, ErasureRequest.erased_at.is_(None)))
    if pending is not None:
        return pending
    request = ErasureRequest(user=user)
    db.session.add(request)
    db.session.flush()
    record("privacy.erasure_requested", actor=user, subject=user, request_id=request.id)
    return request


def pending_erasure_requests() -> list[ErasureRequest]:
    return list(db.session.scalars(select(ErasureRequest).where(ErasureRequest.erased_at.is_(None))
                                   .order_by(ErasureRequest.requested_at)))


def _merge(results) -> dict[str, int]:
    merged: dict[str, int] = {}
    for _receiver, counts in results:
        for what, count in (counts or {}).items():
            merged[what] = merged.get(what, 0) + count
    return merged


def erase_person(email: str, *, actor, request: ErasureRequest | None = None) -> dict[str, int]:
    """Erase or anonymise everything held about the owner of `email`, in every feature. What balance and
    attendance reports count (status, gender, represented country, category, delegation, check-ins) stays, under
    a name that is no one's; the account goes."""
    email = email.strip().lower()
    if not email:
        raise DomainError()
    with changes_allowed():  # archived editions too; flushed here, while the exception holds
        counts = _merge(erasing_person.send(email))
        db.session.flush()
    if request is not None:
        request.erased_at, request.erased_by_id, request.summary = utcnow(), getattr(actor, "id", None), counts
    record("privacy.erase", actor=actor, request_id=getattr(request, "id", None), **counts)
    return counts


def retention_days(meeting: Meeting) -> int:
    return meeting.retention_days if meeting.retention_days is not None else current_app.config["RETENTION_DAYS"]


def meetings_past_retention(today: date | None = None) -> list[Meeting]:
    today = today or date.today()
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.ends_on))
    return [m for m in meetings if m.ends_on + timedelta(days=retention_days(m)) < today]


def apply_retention(*, dry_run: bool = False, today: date | None = None) -> list[tuple[Meeting, dict[str, int]]]:
    """Erase what each meeting past its retention period still keeps until then; audited per meeting.
    With `dry_run`, only count (nothing is written, nothing audited)."""
    done = []
    if not dry_run:  # the counters behind the limits and the CAPTCHAs hold hashed addresses: a day is enough
        throttle.purge(timedelta(days=1))
        captcha.purge()
    for meeting in meetings_past_retention(today):
        with changes_allowed():  # a meeting past retention is usually archived
            counts = _merge(retention_due.send(meeting, dry_run=dry_run))
            db.session.flush()
        if any(counts.values()):
            done.append((meeting, counts))
            if not dry_run:
                record("privacy.retention", actor=None, meeting=meeting, **counts)
    return done


@task("privacy.retention")
def run_retention() -> None:
    """Celery beat runs this daily; without Celery, `flask privacy retention` from cron."""
    apply_retention()
    db.session.commit()


def reseal_passports() -> int:
    """Seal every stored passport value again, with the newest key (after a new key was put first): reading
    opens with any listed key, writing seals with the first."""
    count = 0
    for visa in db.session.scalars(select(VisaRequest)):
        for name in ("passport_number", "passport_expiry", "date_of_birth", "place_of_birth"):
            flag_modified(visa, name)
        count += 1
    db.session.flush()
    return count
