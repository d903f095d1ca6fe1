"""The landing page and health check answer on a real database."""

from __future__ import annotations

from app.kernel.config import Settings


def test_home_page_is_served_in_chinese(database_url: str, make_app) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import settings_for

    settings: Settings = settings_for(database_url)
    app = make_app(settings)
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 200
    assert "社会保险关系转移接续" in response.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "ok"
