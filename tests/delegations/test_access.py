"""Every invitation and delegation route names its rule, and each kind of user meets the right answer."""
import pytest

from meeting_manager.access import FOCAL_POINT, ORGANISER, PUBLIC, rule_for

FEATURES = ("invitations.", "delegations.")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(FEATURES):
            method = "POST" if "POST" in rule.methods and "GET" not in rule.methods else "GET"
            yield rule, method


def test_every_route_has_the_expected_rule(app):
    rules = {rule.endpoint: rule_for(rule.endpoint) for rule, _method in _routes(app)}
    assert len(rules) >= 25
    assert {e for e, r in rules.items() if r is PUBLIC} == {"invitations.landing", "invitations.decline",
                                                            "invitations.accept"}
    assert {e for e, r in rules.items() if r is FOCAL_POINT} == {
        "delegations.mine", "delegations.focal", "delegations.nominate", "delegations.withdraw",
        "delegations.confirm", "delegations.upload_note_verbale", "delegations.notice_mode"}
    assert all(r is ORGANISER for e, r in rules.items() if r not in (PUBLIC, FOCAL_POINT))


@pytest.mark.parametrize("who", ["anonymous", "participant", "staff"])
def test_nobody_but_organisers_and_focal_points_gets_in(request, app, client, meeting, auth, make_delegation,
                                                       make_invitation, who):
    delegation = make_delegation(meeting)
    invitation, _token = make_invitation(meeting)
    if who != "anonymous":
        auth.sign_in(request.getfixturevalue(who))
    values = {"meeting_id": meeting.id, "delegation_id": delegation.id, "invitation_id": invitation.id}
    for rule, method in _routes(app):
        if rule_for(rule.endpoint) is PUBLIC:
            continue
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
        response = client.open(url, method=method)
        expected = 302 if who == "anonymous" else 403
        assert response.status_code == expected, (who, rule.endpoint)
