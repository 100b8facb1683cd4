"""Browser features no page uses are switched off for every response."""

from django.urls import reverse


def test_every_response_switches_off_unused_browser_features(client, owner_client, db):
    for response in (
        client.get(reverse("home")),
        client.get("/no-such-page/"),
        owner_client.get(reverse("photo_upload")),
    ):
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy, policy
