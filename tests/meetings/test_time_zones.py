"""Times carry their zone (the meeting's, named), and the time-zone list has canonical names only, the venue
country's zones first (issue 18, item 7)."""
import re
from datetime import UTC, datetime

import pytest

from meeting_manager.meetings.zones import canonical_zones, timezone_choices


@pytest.fixture
def zurich(make_meeting):
    return make_meeting(timezone="Europe/Zurich", city="Geneva", country_code="CH")


def _text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


def test_one_moment_reads_the_same_on_the_delegation_page_and_in_the_queue(client, auth, db, make_user, zurich,
                                                                             make_delegation, make_registration):
    organiser = make_user(roles=[(zurich, "organiser")])
    moment = datetime(2026, 1, 15, 22, 17, tzinfo=UTC)  # 23:17 in Zurich (winter)
    delegation = make_delegation(zurich, confirmed_at=moment)
    registration = make_registration(zurich, delegation=delegation)
    registration.submitted_at = moment
    db.session.commit()
    auth.sign_in(organiser)
    delegation_page = _text(client.get(f"/meetings/{zurich.id}/delegations/{delegation.id}"))
    assert "23:17 (Europe/Zurich)" in delegation_page and "22:17" not in delegation_page
    queue = _text(client.get(f"/meetings/{zurich.id}/registrations"))
    assert "Submitted (Europe/Zurich)" in queue and "Jan 15, 2026, 23:17" in queue
    detail = _text(client.get(f"/meetings/{zurich.id}/registrations/{registration.id}"))
    assert "23:17 (Europe/Zurich)" in detail


def _zone_options(page: str) -> list[str]:
    select = page.split('id="timezone"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option[^>]*value="([^"]+)"', select)


def test_the_zone_list_has_canonical_names_only():
    zones = canonical_zones()
    assert "Africa/Asmara" in zones and "Europe/Kyiv" in zones and "UTC" in zones
    for deprecated in ("Africa/Asmera", "US/Eastern", "Europe/Kiev", "Asia/Calcutta", "GMT+0", "Etc/GMT-3"):
        assert deprecated not in zones


def test_the_new_meeting_form_starts_with_utc_and_then_the_venue_countrys_zones(client, auth, admin, reference):
    auth.sign_in(admin)
    options = _zone_options(client.get("/meetings/new").text)
    assert options[0] == "UTC" and "Africa/Asmera" not in options and "US/Eastern" not in options
    # a form sent back (here: a title missing) lists the chosen country's zones first
    again = client.post("/meetings/new", data={"country_code": "US", "timezone": "America/Chicago"}).text
    options = _zone_options(again)
    assert options[:3] == ["America/New_York", "America/Detroit", "America/Kentucky/Louisville"]
    assert re.search(r'<option selected value="America/Chicago"|<option value="America/Chicago" selected', again)


def test_editing_lists_the_venues_zones_first_and_keeps_an_old_name(client, auth, db, organiser, meeting):
    auth.sign_in(organiser)
    assert _zone_options(client.get(f"/meetings/{meeting.id}/edit").text)[:2] == ["Europe/Berlin", "Europe/Busingen"]
    meeting.timezone = "Europe/Kiev"  # stored before the list was canonical: still shown, so the form still saves
    db.session.commit()
    assert _zone_options(client.get(f"/meetings/{meeting.id}/edit").text)[0] == "Europe/Kiev"
    assert timezone_choices("CH")[0] == ("Europe/Zurich", "Europe/Zurich")
