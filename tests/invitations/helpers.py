"""Small helpers shared by the invitation and delegation tests."""
import re
from urllib.parse import urlsplit

LINK = re.compile(r"https?://\S+/i/([A-Za-z0-9_-]+)")


def link_path(message) -> str:
    """The landing path (/i/<token>) in a mail's plain-text body."""
    match = LINK.search(message.text_body)
    assert match, message.text_body
    return urlsplit(match.group(0)).path


def token_of(message) -> str:
    return LINK.search(message.text_body).group(1)


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, f"no hidden {name} in page"
    return match.group(1)
