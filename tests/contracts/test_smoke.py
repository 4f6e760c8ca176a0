from tests.support import ON_SERVICES


def test_home(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Career Connections" in response.data


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "queue": "ok" if ON_SERVICES else "inline"}
