"""The dashboard's summary says what the saved policy does, never two contradicting things (issue 18, item 6)."""
import re
from datetime import timedelta

import pytest

from meeting_manager.balance import services
from meeting_manager.models_base import utcnow


def _said(page) -> str:
    return re.sub(r"\s+", " ", page.text)


@pytest.mark.parametrize("bounds, release_in, says, never", [
    (None, None, "No policy yet", ["Reservations are active", "The policy sets no bounds"]),
    ([], None, "The policy sets no bounds", ["Reservations are active", "No policy yet"]),
    ([{"dimension": "gender", "value": "man", "unit": "seats", "maximum": 100}], None,
     "No minimums are set", ["Reservations are active", "No policy yet", "Reservations have lapsed"]),
    ([{"dimension": "gender", "value": "woman", "unit": "seats", "minimum": 100}], None,
     "Reservations are active", ["No policy yet", "No minimums"]),
    ([{"dimension": "gender", "value": "woman", "unit": "seats", "minimum": 100}], -1,
     "Reservations have lapsed", ["Reservations are active", "No policy yet"]),
])
def test_the_summary_matches_the_policy(meeting, organiser, auth, client, db, bounds, release_in, says, never):
    if bounds is not None:
        data = {"reservations_release_at": utcnow() + timedelta(days=release_in)} if release_in else {}
        services.save_policy(meeting, data, bounds, actor=organiser)
        db.session.commit()
    auth.sign_in(organiser)
    text = _said(client.get(f"/meetings/{meeting.id}/balance"))
    assert says in text
    for contradiction in never:
        assert contradiction not in text
