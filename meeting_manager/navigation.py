"""Navigation by role: a link is shown when the access rule of its route lets the user in."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .access import rule_for

#: (endpoint, label) of the site-wide menu; features add theirs here
SITE_MENU = [
    ("meetings.index", _l("Meetings")),
    ("registration.mine", _l("My registrations")),
    ("delegations.mine", _l("My delegations")),
    ("accounts.users", _l("Accounts")),
    ("reference.schemes", _l("Region schemes")),
    ("mail.outbox", _l("Outbox")),
    ("privacy.erasure_requests", _l("Erasure")),
    ("audit.log", _l("Audit log")),
    ("api.tokens_page", _l("API tokens")),
]

#: (endpoint, label) of a meeting's own menu, for its organisers and staff
MEETING_MENU = [
    ("meetings.manage", _l("Overview")),
    ("meetings.edit", _l("Details")),
    ("balance.review", _l("Registrations")),
    ("balance.dashboard", _l("Balance")),
    ("balance.edit_policy", _l("Policy")),
    ("waitlist.index", _l("Waiting list")),
    ("invitations.index", _l("Invitations")),
    ("delegations.index", _l("Delegations")),
    ("registration.questions", _l("Questions")),
    ("agenda.manage", _l("Agenda")),
    ("badges.index", _l("Badges")),
    ("checkin.desk", _l("Check-in")),
    ("reports.index", _l("Reports")),
    ("api.webhooks_page", _l("Webhooks")),
    ("meeting_mail.settings", _l("Mail")),
]


def _visible(menu, view_args):
    for endpoint, label in menu:
        rule = rule_for(endpoint) if endpoint in current_app.view_functions else None
        if rule is not None and rule.allows(current_user, view_args):
            yield endpoint, label


def site_menu():
    return list(_visible(SITE_MENU, {}))


def meeting_menu(meeting_id: int):
    return list(_visible(MEETING_MENU, {"meeting_id": meeting_id}))
