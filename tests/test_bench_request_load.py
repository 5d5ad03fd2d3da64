"""bench/request_load.py's ramp: which step holds, where it stops, the reference ratio and the
client-side replies. Its printed ceiling rests on these; nothing here is timed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.common import percentiles
from bench.request_load import (
    RAMP_RATES,
    ceiling,
    ramp_rates,
    reference_ratio,
    reply_times,
    sending_rate,
    step_holds,
    within_reference,
)


def step(
    rate: float,
    *,
    client_p99: float = 20.0,
    done_p99: float | None = 200.0,
    reply_p99: float = 150.0,
    errors: int = 0,
    missing: int = 0,
    modal_p99: float = 30.0,
    reference_p99: float = 20.0,
) -> dict[str, Any]:
    """A ramp step as the driver reports it; `done_p99` None: no server-side figures."""
    return {
        "rate": rate,
        "errors": errors,
        "missing_replies": missing,
        "client_ms": {"p50": 5.0, "p99": client_p99},
        "done_ms": None if done_p99 is None else {"p50": 50.0, "p99": done_p99},
        "reply_ms": {"p50": 40.0, "p99": reply_p99},
        "modal_client_ms": {"p50": 8.0, "p99": modal_p99},
        "reference_client_ms": {"p50": 4.0, "p99": reference_p99},
    }


def test_the_ramp_climbs_in_the_issue_steps_up_to_its_limit() -> None:
    assert ramp_rates(1000) == RAMP_RATES
    assert ramp_rates(200) == (25, 50, 100, 150, 200)
    assert ramp_rates(10) == ()


def test_a_step_holds_under_100_ms_client_p99_and_1_s_done_p99_with_no_error() -> None:
    assert step_holds(step(25))
    assert not step_holds(step(25, client_p99=100.0))
    assert not step_holds(step(25, done_p99=1000.0))
    assert not step_holds(step(25, errors=1))


def test_done_is_the_servers_when_it_has_one_else_the_clients_replies() -> None:
    # In-process: the server's 'done' decides; a late reply seen by the client does not.
    assert step_holds(step(25, done_p99=300.0, reply_p99=5000.0, missing=3))
    # Other processes (--workers): the replies decide, and a missing reply fails the step.
    assert step_holds(step(25, done_p99=None, reply_p99=900.0))
    assert not step_holds(step(25, done_p99=None, reply_p99=1200.0))
    assert not step_holds(step(25, done_p99=None, missing=1))


def test_the_ceiling_is_the_last_rate_held_before_the_first_that_was_not() -> None:
    steps = [step(25), step(50), step(100, client_p99=140.0), step(150)]
    assert ceiling(steps) == 50
    assert ceiling([step(25, errors=2)]) is None
    assert ceiling([step(25), step(50)]) == 50  # the ramp's top, or its time, ran out
    assert ceiling([]) is None


def test_the_modal_is_held_to_twice_the_reference_at_every_rate_up_to_the_ceiling() -> None:
    assert reference_ratio(step(25, modal_p99=30.0, reference_p99=20.0)) == 1.5
    steps = [
        step(25, modal_p99=30.0, reference_p99=20.0),
        step(50, modal_p99=41.0, reference_p99=20.0),  # 2.05: over
        step(100, client_p99=150.0, modal_p99=900.0, reference_p99=20.0),  # past the ceiling
    ]
    assert within_reference(steps, ceiling(steps)) is False
    assert within_reference(steps[:1], ceiling(steps[:1])) is True
    assert within_reference(steps[2:], ceiling(steps[2:])) is None  # no step held


def test_the_reference_ratio_is_taken_on_nearest_rank_p99s() -> None:
    modal = percentiles([float(ms) for ms in range(1, 101)])  # p99 = 99
    reference = percentiles([float(ms) for ms in range(1, 51)] * 2)  # p99 = 50
    figures = step(25) | {"modal_client_ms": modal, "reference_client_ms": reference}
    assert reference_ratio(figures) == 99 / 50


@dataclass
class Call:  # what tests.slack_fake records of a call, as far as reply_times reads it
    method: str
    args: dict[str, Any]
    at: float


def test_a_reply_is_the_last_response_url_post_or_thread_line_carrying_the_key() -> None:
    sent = {
        "r1s25-update_command-1": 10.0,
        "r1s25-update_modal_submit-12": 10.5,
        "r1s25-list-2": 11.0,
    }
    calls = [
        Call("response_url:r1s25-update_command-1", {"text": "Saved"}, 10.1),
        Call("chat.postMessage", {"text": "*KR-3* 4 → 5\n> bench r1s25-update_command-1"}, 10.3),
        Call("chat.update", {"text": "bench r1s25-list-2"}, 12.0),  # not a reply
        Call("chat.postMessage", {"text": "> bench r1s25-update_modal_submit-12"}, 10.9),
        Call("chat.postMessage", {"text": "> bench r1s25-update_modal_submit-1"}, 10.2),  # not sent
    ]
    replies = reply_times(sent, calls)
    assert replies.keys() == {"r1s25-update_command-1", "r1s25-update_modal_submit-12"}
    assert round(replies["r1s25-update_command-1"], 6) == 0.3
    assert round(replies["r1s25-update_modal_submit-12"], 6) == 0.4


def test_the_rate_achieved_counts_sends_not_answers() -> None:
    assert sending_rate([0.0, 0.5, 1.0, 2.0]) == 1.5  # three gaps in two seconds
    assert str(sending_rate([3.0])) == "nan"
