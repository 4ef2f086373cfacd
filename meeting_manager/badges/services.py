"""Badge batches: who gets a badge, what it shows, the print log, and the logo and colours organisers choose."""
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Row, exists, select
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..checkin.services import badge_payload
from ..errors import ValidationFailed
from ..extensions import db
from ..i18n_text import localized
from ..languages.bilingual import bilingual
from ..meetings.models import Category, Meeting
from ..meetings.services import to_utc
from ..names import Purpose, sort_key
from ..reference.country_names import language_of
from ..reference.services import country_name, region_map
from ..registration.models import Registration, RegistrationStatus, TravelDetails
from .models import BadgePrint
from .render import BadgeData, logo_mime_type

LOGO_MAX_BYTES = 2 * 1024 * 1024


def badge_holders(meeting: Meeting, *, region: str = "", category: str = "", delegation_id: int | None = None,
                  arrival_day: date | None = None, only_unprinted: bool = False,
                  registration_ids: list[int] | None = None) -> list[Registration]:
    """Approved registrations of a meeting matching the filters, in badge-name order."""
    query = select(Registration).where(Registration.meeting_id == meeting.id,
                                       Registration.status == RegistrationStatus.approved)
    if registration_ids is not None:
        query = query.where(Registration.id.in_(registration_ids))
    if region:
        codes = [c for c, r in region_map(meeting.region_scheme_id).items() if r == region]
        query = query.where(Registration.represented_country.in_(codes))
    if category:
        query = query.join(Category, Registration.category_id == Category.id).where(Category.code == category)
    if delegation_id:
        query = query.where(Registration.delegation_id == delegation_id)
    if arrival_day:
        start = to_utc(datetime.combine(arrival_day, time()), meeting.timezone)
        query = query.join(TravelDetails, TravelDetails.registration_id == Registration.id).where(
            TravelDetails.arrival_at >= start, TravelDetails.arrival_at < start + timedelta(days=1))
    if only_unprinted:
        query = query.where(~exists().where(BadgePrint.registration_id == Registration.id))
    return sorted(db.session.scalars(query), key=sort_key)  # family name, then given, as ICU collates them


def meeting_logo(meeting: Meeting) -> bytes | None:
    if not meeting.logo_path:
        return None
    path = Path(current_app.config["STORAGE_DIR"]) / meeting.logo_path
    return path.read_bytes() if path.is_file() else None


def badge_data(registration: Registration, meeting: Meeting, logo: bytes | None) -> BadgeData:
    """What the badge shows, its fixed words in the wearer's language and English, whoever prints it."""
    category, language = registration.category, language_of(registration.locale)
    return BadgeData(
        badge_name=registration.name_for(Purpose.badge), latin_name=registration.name_for(Purpose.latin),
        organisation=registration.organisation,
        country=str(bilingual(lambda: country_name(registration.represented_country), language)),
        category=str(bilingual(lambda: category.label, language)) if category else "",
        category_colour=category.colour if category else "#455a64", qr_payload=badge_payload(registration),
        # the wearer's language (a badge is theirs); the default language where the meeting has no such title
        meeting_title=localized(meeting, "title", language=registration.locale or meeting.default_language).text,
        logo=logo,
    )


def log_prints(meeting: Meeting, registrations: list[Registration], *, actor_id: int | None, job_id: int | None,
               fmt: str) -> None:
    db.session.add_all(BadgePrint(meeting_id=meeting.id, registration_id=r.id, job_id=job_id, printed_by_id=actor_id,
                                  format=fmt) for r in registrations)


def print_log(meeting: Meeting, limit: int = 50) -> Sequence[Row[BadgePrint, Registration]]:
    """The latest prints, newest first."""
    return db.session.execute(
        select(BadgePrint, Registration).join(Registration, BadgePrint.registration_id == Registration.id)
        .options(joinedload(BadgePrint.printed_by))
        .where(BadgePrint.meeting_id == meeting.id).order_by(BadgePrint.id.desc()).limit(limit)
    ).all()


def count_printed(meeting: Meeting) -> int:
    return db.session.scalar(select(db.func.count(db.distinct(BadgePrint.registration_id)))
                             .where(BadgePrint.meeting_id == meeting.id)) or 0


def save_logo(meeting: Meeting, content: bytes, *, actor) -> None:
    """Keep the meeting's logo (PNG, JPEG, GIF or SVG, size-limited) in private storage."""
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationFailed(_("The logo is larger than 2 MB."))
    try:
        mime = logo_mime_type(content)
    except ValueError:
        raise ValidationFailed(_("The logo must be a PNG, JPEG, GIF or SVG image.")) from None
    name = f"logos/meeting-{meeting.id}.{mime.split('/')[-1].replace('svg+xml', 'svg')}"
    path = Path(current_app.config["STORAGE_DIR"]) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    meeting.logo_path = name
    record("badges.logo", actor=actor, meeting=meeting)


def set_colours(meeting: Meeting, colours: dict[int, str], *, actor) -> None:
    for category in meeting.categories:
        if category.id in colours:
            category.colour = colours[category.id]
    record("badges.colours", actor=actor, meeting=meeting)
