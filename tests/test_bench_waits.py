"""bench/waits.py reads round trips out of a libpq protocol trace; its figures rest on that."""

from __future__ import annotations

from bench.waits import count_postgres_waits

# A check-in as libpq traced it (rows and descriptions cut): pre-ping, BEGIN, two statements
# in the extended protocol, COMMIT; the server's messages (B) are not round trips of their own.
TRACE = "\n".join(
    [
        '2026-11-26 14:34:35.067029\tF\t6\tQuery\t ";"',
        "2026-11-26 14:34:35.067374\tB\t4\tEmptyQueryResponse",
        "2026-11-26 14:34:35.067382\tB\t5\tReadyForQuery\t I",
        '2026-11-26 14:34:35.067682\tF\t10\tQuery\t "BEGIN"',
        '2026-11-26 14:34:35.067787\tB\t10\tCommandComplete\t "BEGIN"',
        '2026-11-26 14:34:35.067863\tF\t47\tBind\t "" "_pg3_0" 3 1 0 1',
        '2026-11-26 14:34:35.067868\tF\t6\tDescribe\t P ""',
        '2026-11-26 14:34:35.067869\tF\t9\tExecute\t "" 0',
        "2026-11-26 14:34:35.067870\tF\t4\tSync",
        '2026-11-26 14:34:35.068262\tB\t13\tCommandComplete\t "SELECT 1"',
        '2026-11-26 14:34:35.068975\tF\t20\tParse\t "" "INSERT INTO check_in …" 0',
        '2026-11-26 14:34:35.068978\tF\t20\tBind\t "" "" 0 0 1 0',
        '2026-11-26 14:34:35.068980\tF\t9\tExecute\t "" 0',
        "2026-11-26 14:34:35.068981\tF\t4\tSync",
        '2026-11-26 14:34:35.069159\tB\t13\tCommandComplete\t "INSERT 0 1"',
        '2026-11-26 14:34:35.069372\tF\t11\tQuery\t "COMMIT"',
        '2026-11-26 14:34:35.069506\tB\t11\tCommandComplete\t "COMMIT"',
    ]
)


def test_each_query_and_each_sync_is_one_round_trip() -> None:
    assert count_postgres_waits(TRACE) == {"ping": 1, "begin": 1, "statement": 2, "commit": 1}


def test_server_messages_and_stray_lines_are_not_counted() -> None:
    server_only = "\n".join(line for line in TRACE.splitlines() if "\tB\t" in line)
    assert count_postgres_waits(server_only + "\nnot a trace line\n") == {}
