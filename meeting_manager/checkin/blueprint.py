"""The check-in blueprint, shared by the desk's views and the offline desk app's views (no import circle)."""
from flask import Blueprint

bp = Blueprint("checkin", __name__)
