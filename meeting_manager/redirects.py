"""Where a `next` parameter may send a person: only to a path on this site (no open redirect)."""
from urllib.parse import urlsplit


def local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`."""
    target = target or ""
    # Browsers read "\" as "/" and drop tabs and newlines, so "/\evil.example" or "/\t/evil.example" leave the site.
    if not target.startswith("/") or any(c == "\\" or c.isspace() or ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default
