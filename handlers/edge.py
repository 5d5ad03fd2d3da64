"""The HTTP edge: what every request meets before anything parses it.

Bodies are read up to a cap and no further; Slack's signature is checked before Bolt parses a
byte; a refused request is logged as one bounded, escaped line (method, path, size, reason) and
never with its body, which is the sender's text: unbounded, and free to hold a newline that
would plant a fake log line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request

log = logging.getLogger(__name__)

#: Slack's own payloads stay far below this (a command is under 1 KiB, the largest modal
#: submission a few tens of KiB; Slack caps a view at 100 blocks of bounded text), so a body
#: this big is not Slack's and is refused (413) before it is read any further.
SLACK_MAX_BODY_BYTES = 1024 * 1024
#: How much of the path a refusal's log line keeps (paths are the sender's text too).
LOGGED_PATH_CHARS = 120


class TooLarge(Exception):
    """The body is over its cap; `size` is what was declared or read before stopping."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, read chunk by chunk; raises TooLarge once it is over `limit` bytes
    (at once when Content-Length says so), so an oversize body is never held whole."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise TooLarge(int(declared))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def log_refused(request: Request, *, size: int, reason: str) -> None:
    """One line per refused request, never its body: `ascii` escapes newlines and controls."""
    path = ascii(request.url.path[:LOGGED_PATH_CHARS])
    log.warning("refused %s %s (%d bytes): %s", ascii(request.method)[1:-1], path, size, reason)


class SlackSignature:
    """Slack's request signing (an HMAC of `v0:<timestamp>:<body>`), checked on the raw bytes.

    slack_sdk's SignatureVerifier does the check (and refuses timestamps over five minutes
    away); this only makes sure what it is given cannot make it raise."""

    def __init__(self, signing_secret: str | None) -> None:
        # No secret (a misconfigured `serve`): every request is refused rather than trusted.
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def refusal(self, body: bytes, headers: Mapping[str, str]) -> str | None:
        """Why the request is not Slack's, or None when its signature holds."""
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if self._verifier is None:
            return "no signing secret configured"
        if not signature:
            return "no signature"
        # int() of thousands of digits raises; Unix seconds have ten.
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return "timestamp is not a number"
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return "body is not UTF-8"
        if not self._verifier.is_valid(text, timestamp, signature):
            return "bad or stale signature"
        return None
