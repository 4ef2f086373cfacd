"""Finding messages in the outbox: by recipient (address or name, any part of it), message kind and status."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..extensions import db
from .models import MessageStatus, OutboxMessage

#: what the outbox calls each kind of message; a kind not named here is shown as stored
KIND_LABELS = {
    "invitation": _l("Invitation"), "invitation_reminder": _l("Invitation reminder"),
    "invitation_declined": _l("Invitation declined"), "registration_received": _l("Registration received"),
    "registration_approved": _l("Registration approved"), "registration_waitlisted": _l("Registration waitlisted"),
    "registration_declined": _l("Registration declined"), "registration_cancelled": _l("Registration cancelled"),
    "agenda_promoted": _l("Session place offered"), "password_reset": _l("Password reset"),
    "sign_in": _l("Sign-in link"),
}

#: a search longer than any address is not a search anyone means
MAX_RECIPIENT = 254


@dataclass(frozen=True)
class OutboxSearch:
    recipient: str = ""
    kind: str = ""
    status: MessageStatus | None = None

    @classmethod
    def from_args(cls, args) -> "OutboxSearch":
        """From the query string; an unknown status means every status, an overlong recipient is cut."""
        try:
            status = MessageStatus(args.get("status", ""))
        except ValueError:
            status = None
        return cls(recipient=(args.get("recipient") or "").strip()[:MAX_RECIPIENT],
                   kind=(args.get("kind") or "").strip()[:40], status=status)

    @property
    def active(self) -> bool:
        return bool(self.recipient or self.kind or self.status)

    def query_args(self) -> dict:
        """The search as query-string arguments (for links and forms that keep it)."""
        return {k: v for k, v in (("recipient", self.recipient), ("kind", self.kind),
                                  ("status", self.status.value if self.status else "")) if v}

    def apply(self, query):
        if self.recipient:
            # LIKE wildcards typed by the admin are matched literally
            needle = self.recipient.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{needle}%"
            query = query.where(or_(func.lower(OutboxMessage.recipient).like(pattern, escape="\\"),
                                    func.lower(OutboxMessage.recipient_name).like(pattern, escape="\\")))
        if self.kind:
            query = query.where(OutboxMessage.kind == self.kind)
        if self.status is not None:
            query = query.where(OutboxMessage.status == self.status)
        return query


def search_messages(search: OutboxSearch, *, before: int | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The newest matching messages first, older than message `before`."""
    query = search.apply(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    if before is not None:
        query = query.where(OutboxMessage.id < before)
    return list(db.session.scalars(query))


def kind_choices() -> list[tuple[str, str]]:
    """The kinds of message the outbox holds, labelled, for the search's list."""
    kinds = db.session.scalars(select(OutboxMessage.kind).distinct().where(OutboxMessage.kind != "")).all()
    return sorted(((k, str(KIND_LABELS.get(k, k))) for k in kinds), key=lambda pair: pair[1].casefold())


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))
