"""/healthz answers for the database, the migrations and the storage (and, with a broker, the broker and a
worker: tests/jobs/test_readme_commands.py)."""
from flask_migrate import stamp


def test_healthz_is_unhealthy_until_the_migrations_are_current(app, client):
    response = client.get("/healthz")
    assert response.status_code == 503  # create_all() built the tables, but no migration was recorded
    assert response.json["checks"]["migrations"]["ok"] is False
    assert "flask db upgrade" in response.json["checks"]["migrations"]["detail"]

    stamp()
    response = client.get("/healthz")
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok", "checks": {
        "database": {"ok": True, "detail": "reachable"}, "migrations": {"ok": True, "detail": "current"},
        "storage": {"ok": True, "detail": "writable"}}}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_says_when_the_storage_is_not_writable(app, client):
    stamp()
    app.config["STORAGE_DIR"] = app.config["STORAGE_DIR"] / "missing" / "folder"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["storage"] == {"ok": False, "detail": "FileNotFoundError"}
