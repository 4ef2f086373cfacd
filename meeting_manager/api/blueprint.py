"""The /api/v1 blueprint; resource modules add their endpoints to it with `edge.endpoint(v1, ...)`."""
from flask import Blueprint

v1 = Blueprint("v1", __name__, url_prefix="/api/v1")
