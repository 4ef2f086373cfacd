"""Settings gunicorn reads when started from the checkout (`gunicorn ... wsgi:app`, as the README and
docs/deploy.md run it); the command line still overrides any of them.

- Each instance gets a control socket of its own under var/ (named after its --bind), so that two instances on
  one host (two ports) never share one, and `gunicornc` talks to the instance it means.
- The app is loaded once in the master (`preload_app`): `kill -HUP` then forks fresh workers at once, with no
  import time in which nothing answers; a code upgrade is `kill -USR2` (a new master with the new code beside the
  old one, on the same socket), then `kill -TERM` of the old master once the new one answers /healthz
  (docs/deploy.md, "Upgrades without dropping a request").
- TERM lets requests in flight finish (graceful_timeout) before a worker stops.
"""
import os
import re
import sys
from pathlib import Path

_VAR = Path(os.environ.get("MEETING_MANAGER_VAR", Path(__file__).resolve().parent / "var"))


def _bind() -> str:
    args = sys.argv[1:]
    for index, arg in enumerate(args):
        if arg in ("-b", "--bind") and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--bind="):
            return arg.split("=", 1)[1]
    return os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")


_VAR.mkdir(parents=True, exist_ok=True)
control_socket = str(_VAR / f"gunicorn-{re.sub(r'[^A-Za-z0-9]+', '_', _bind()).strip('_')}.ctl")
preload_app = True
graceful_timeout = 30
# Access logs never show the tokens of emailed links (meeting_manager/weblog.py).
logger_class = "meeting_manager.weblog.RedactingLogger"
