"""WSGI entry point: `gunicorn wsgi:app`."""
from meeting_manager import create_app

app = create_app()
