from sqlalchemy import func, select

from consult.regions.models import Region


def test_home_page_is_dutch_by_default(client):
    response = client.get("/")
    assert '<html lang="nl"' in response.get_data(as_text=True)


def test_regions_are_seeded_by_the_app_fixture(session):
    assert session.scalar(select(func.count()).select_from(Region)) == 42
