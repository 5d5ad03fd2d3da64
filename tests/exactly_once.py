"""Counting duplicates and losses of scheduled posts: from what Slack holds and the ledger.

Every scheduled post carries its ledger key in Slack's message metadata
(`handlers.slack_io.marker_metadata`), so the fake Slack's stored messages say how many times
each post reached Slack, whichever process sent it and however often it was retried.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from handlers.slack_io import MARKER_EVENT
from storage.database import Database
from storage.ledger import LedgerKey
from storage.models import LedgerEntry
from tests.slack_fake import FakeSlack


def marked_posts(fake: FakeSlack) -> Counter[str]:
    """How many messages Slack holds for each scheduled post (by its ledger key's marker)."""
    posts: Counter[str] = Counter()
    for message in fake._messages.values():
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == MARKER_EVENT:
            posts[metadata["event_payload"]["key"]] += 1
    return posts


@dataclass(frozen=True)
class Tally:
    posts: Counter[str]
    ledger: dict[str, str]  # marker → status

    @property
    def duplicates(self) -> dict[str, int]:
        return {key: n for key, n in self.posts.items() if n > 1}

    def losses(self, expected: int) -> int:
        """Of `expected` posts, those Slack does not hold, and those the ledger has not sent
        that are not in Slack either. (An entry left "claimed" by an attempt cut off after
        its post and its job's own record, before the ledger's, is not a loss: the job's
        record, e.g. a nudge's DM ts, is what keeps it from being planned again.)"""
        unsent = [
            k for k, status in self.ledger.items() if status != "sent" and k not in self.posts
        ]
        return max(expected - len(self.posts), 0) + len(unsent)


async def tally(db: Database, fake: FakeSlack) -> Tally:
    async with db.transaction() as session:
        entries = (await session.scalars(select(LedgerEntry))).all()
    ledger = {
        LedgerKey(e.workspace_id, e.kind, e.subject, e.period).marker: e.status for e in entries
    }
    return Tally(posts=marked_posts(fake), ledger=ledger)
