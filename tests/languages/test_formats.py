"""Numbers written as the reader's language writes them, in pages (the share of the panel balance)."""


def test_the_panel_balance_writes_shares_and_regions_in_french(client, auth, organiser, meeting, make_agenda_session,
                                                                 make_registration):
    """Were "50 %" in every language (English too) and the English name of the region."""
    from meeting_manager.registration.models import Gender, RegistrationStatus
    make_agenda_session(meeting, "Panel", speakers=[
        make_registration(meeting, gender=Gender.man, country="FR", status=RegistrationStatus.approved),
        make_registration(meeting, gender=Gender.woman, country="JP", status=RegistrationStatus.approved)])
    auth.sign_in(organiser)
    client.set_cookie("lang", "fr")
    page = client.get(f"/meetings/{meeting.id}/agenda/balance").text
    assert "50\xa0%</td>" in page and "Western European" not in page
    client.set_cookie("lang", "en")
    assert "50%</td>" in client.get(f"/meetings/{meeting.id}/agenda/balance").text
