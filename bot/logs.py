"""The process's logging: text for a person, or one JSON object a line for a log collector.

Business lines (a command handled, a scheduled post) carry their facts as `extra` fields,
built by `facts`: `event`, `who` (a Slack user id), `what` (the command or the post's kind),
`workspace` (a Slack workspace id). A text line says them in its message; a JSON line also
has them as keys. Nothing logged here carries a token.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# The attributes every LogRecord has; anything else on a record came from `extra`, except
# uvicorn's `color_message` (the message again, with terminal colour codes).
_NOT_FACTS = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def facts(event: str, *, who: str | None, what: str, workspace: str, **more: Any) -> dict[str, Any]:
    """The `extra` of a business line."""
    return {"event": event, "who": who, "what": what, "workspace": workspace, **more}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the record's `extra` fields, and
    the traceback (if any) as one string, so a line is always one event."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update((k, v) for k, v in vars(record).items() if k not in _NOT_FACTS)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str, log_format: str) -> None:
    """Root handler on stderr at `level`, in `log_format` (`text` or `json`). Alembic's
    progress lines (one per migration, on every start of SQLite) are for debugging."""
    handler = logging.StreamHandler()
    json_lines = log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
