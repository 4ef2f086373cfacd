"""The bare route the rush bench compares with: Flask's "hello", served by gunicorn exactly as the app is."""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
