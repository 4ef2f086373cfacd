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


def test_days_follow_each_language_s_order_not_one_fixed_pattern(client, meeting, make_agenda_session):
    """A fixed pattern ("EEEE d MMMM") wrote "星期二 16 二月" in Chinese; CLDR's formats and skeletons write
    "2月16日" and the Arabic, French and English orders."""
    from babel.dates import format_date
    make_agenda_session(meeting, "Opening", published=True)
    day = meeting.starts_on
    for language in ("zh", "fr", "ar"):
        client.set_cookie("lang", language)
        expected = format_date(day, "full", locale=language)
        assert expected in client.get(f"/meetings/{meeting.id}").text, (language, expected)
    client.set_cookie("lang", "zh")
    assert f"{day.month}月{day.day}日" in client.get(f"/meetings/{meeting.id}").text
