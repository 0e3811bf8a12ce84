"""The foundation's acceptance, end to end as an operator and an official would do it."""

from tests.conftest import log_in


def test_an_official_made_with_the_cli_sees_their_region_and_not_another(app, client):
    result = app.test_cli_runner().invoke(
        args=[
            "user",
            "create",
            "official.e2e@example.org",
            "--role",
            "official",
            "--region",
            "JZ22",
            "--password",
            "een lang genoeg wachtwoord",
            "--name",
            "Anne Official",
        ]
    )
    assert result.exit_code == 0, result.output

    log_in(client, "official.e2e@example.org", "een lang genoeg wachtwoord")
    own = client.get("/regios/JZ22/beheer")
    assert own.status_code == 200
    page = own.get_data(as_text=True)
    assert "Utrecht Stad" in page
    assert "official.e2e@example.org" in page or "Anne Official" in page

    other = client.get("/regios/JZ24/beheer")
    assert other.status_code == 403
    assert "Haaglanden" not in other.get_data(as_text=True)
