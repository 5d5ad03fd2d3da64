"""The HTTP edge: what every request meets before anything parses it.

Bodies are read up to a cap and no further; Slack's signature is checked before Bolt parses a
byte; a refused request is logged as one bounded, escaped line (method, path, size, reason) and
never with its body, which is the sender's text: unbounded, and free to hold a newline that
would plant a fake log line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

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


class BadJson(ValueError):
    """The body is not JSON, or nests deeper than allowed; the message says which."""


_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_depth(body: bytes) -> int:
    """How deep `body`'s arrays and objects nest, brackets inside strings not counted
    (escapes go first, so what is left of a string holds no quote)."""
    brackets = _STRING.sub(b"", _ESCAPE.sub(b"", body)).translate(None, _NOT_BRACKET)
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def parse_json(body: bytes, *, max_depth: int) -> Any:
    """`body` parsed, after checking its nesting: Python's parser recurses into every level
    and would run out of stack on a small body of brackets. Raises BadJson."""
    if nesting_depth(body) > max_depth:
        raise BadJson(f"The JSON is nested deeper than {max_depth} levels.")
    try:
        return json.loads(body)
    except ValueError:  # not JSON, or not in a Unicode encoding
        raise BadJson("The body is not valid JSON.") from None


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
        if not signature.isascii():  # hmac.compare_digest raises on other text
            return "signature is not ASCII"
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
