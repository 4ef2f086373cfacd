"""Access logs without tokens: invitation, sign-in, reset and feed links carry a token in their path, which is
enough to register or sign in, and gunicorn would log it (and the Referer that repeats it) for every request."""
import re

from gunicorn.glogging import Logger

#: a path segment or query value that looks like one of our tokens (secrets.token_urlsafe: 32+ characters)
TOKEN = re.compile(r"(?<=[/=])[A-Za-z0-9_-]{24,}")


def redact(text: str) -> str:
    return TOKEN.sub("[token]", text)


class RedactingLogger(Logger):
    """gunicorn's logger with every token in the request line, path, query and headers replaced."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
