"""The signals one feature sends so that others can react without importing it (as Indico's core.signals).

A receiver is connected where the reacting feature lives; the sender never knows who listens.
"""
from blinker import Namespace

_signals = Namespace()

#: the owner of an address proved it (sender: the User); features attach what waited for that proof
email_proven = _signals.signal("email-proven")
#: asked with an address (sender: the lower-cased email): a receiver returns True if it holds something that a
#: sign-in link to that address would open, though no account exists yet
address_awaits_proof = _signals.signal("address-awaits-proof")
#: a person's data is being erased (sender: the lower-cased email); each feature anonymises or deletes its own
#: rows for that address and returns {what: how many}. Counts that balance reports make stay as they were.
erasing_person = _signals.signal("erasing-person")
#: a meeting's retention period is over (sender: the Meeting; `dry_run`): each feature erases what it keeps only
#: until then (passport and visa data, travel details, free-text needs) and returns {what: how many}
retention_due = _signals.signal("retention-due")
#: a registration was submitted (sender: the Registration; `actor`): balance checks it (auto-approval) and returns
#: the engine's Check, or None
registration_submitted = _signals.signal("registration-submitted")
#: a registration's status changed (sender: the Registration; `old`, `new`, `actor`)
registration_status_changed = _signals.signal("registration-status-changed")
#: a seat of a meeting came free (a cancellation, a decline after approval; sender: the Meeting; `actor`): the
#: waiting list reacts and returns the registrations it promoted or offered the seat to
seat_freed = _signals.signal("seat-freed")
#: asked for a meeting (sender: the Meeting): a receiver returns the registrations a seat is held for (an open
#: waiting-list offer); suggestions count those seats as taken and do not suggest those registrations again
seats_held = _signals.signal("seats-held")
#: a session of the agenda is about to be deleted (sender: the Session): a receiver returns why it may not be
#: (a sentence for the organiser, e.g. check-ins are recorded for it), or None
deleting_session = _signals.signal("deleting-session")
#: a session of the agenda moved or changed its room or capacity (sender: the Session; `old_starts_at`,
#: `old_ends_at`): sign-ups and places react
session_moved = _signals.signal("session-moved")
#: a person was checked in on a day list or a session list (sender: the Attendance row; `registration`, `actor`);
#: a second check-in that records nothing sends nothing
checked_in = _signals.signal("checked-in")
#: a message about a meeting is being queued (sender: the meeting id; `template`, `locale`): the meeting's mail
#: feature returns {"sender_name", "reply_to", "layout": {...}, "text": (subject, body) or None} for its look
mail_composing = _signals.signal("mail-composing")
#: a queued message is being built for SMTP and names an attachment recipe (sender: the recipe's kind, e.g.
#: "e_ticket" or "ics"; `ref`: the id it names): the owning feature returns (filename, mime type, bytes) or None
mail_attachment_wanted = _signals.signal("mail-attachment-wanted")
#: a meeting's default language changed (sender: the Meeting; `old`, `new`): each feature's translated texts move
#: so that their columns hold the new default language's text (meeting_manager/i18n_text.py)
default_language_changed = _signals.signal("default-language-changed")
