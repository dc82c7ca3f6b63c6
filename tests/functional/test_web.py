"""The web host's first pages."""

from __future__ import annotations

import pytest

from parcours_engine.persistence.migrate import upgrade
from parcours_engine.web import create_app


@pytest.fixture
def client(tmp_path):
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test"})
    return app.test_client()


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_speaks_french(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="fr"' in response.get_data(as_text=True)


def test_unknown_page_is_404(client):
    assert client.get("/nowhere").status_code == 404
