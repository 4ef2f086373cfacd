"""Check-in: signed badge tokens, the append-only attendance log, badge collection, desk search and live counts.

Services add and flush but never commit; the views commit once. A person's state on a list (the meeting-day
list, or one session's list) is the last check-in or check-out that no correction voids."""
from .attendance import (
    MOVES,
    CheckInResult,
    attendance_history,
    check_in,
    check_out,
    checked_in_since,
    correct,
    is_in,
    last_move,
    record_other_day,
    scan_badge,
    voided_ids,
)
from .card import DeskCard, desk_card
from .collection import collect_badge, latest_collection, replace_badge, replaced_badges
from .counts import CountRow, LiveCounts, SessionCount, live_counts, session_counts
from .days import default_day, desk_day, get_session, list_sessions, local_time, meeting_days, session_label, today
from .refusals import (
    NOT_ADMITTED,
    BadgeOfAnotherMeeting,
    BadgeReplaced,
    CheckInRefused,
    NotToday,
    RegistrationNotAdmitted,
    UnknownBadge,
)
from .search import SEARCH_LIMIT, DeskRow, SearchResult, normalise, search_desk
from .tokens import (
    BADGE_SALT,
    MAX_PAYLOAD_LENGTH,
    accepted_payloads,
    badge_payload,
    ensure_admitted,
    resolve_badge,
)
