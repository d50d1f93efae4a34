"""The per-stream full-refresh machine: each transition the module doc draws."""

from __future__ import annotations

from target_hubspot_overwrite.reconciliation import (
    RefreshState,
    RunReconciliation,
    VersionMessage,
)

S = "contacts"


def records(run: RunReconciliation, n: int = 1) -> None:
    run.stream(S).records_since_activation += n


def test_closing_message_after_records_is_due_at_once():
    run = RunReconciliation()
    records(run, 3)
    assert run.activate(S, 7) is VersionMessage.CLOSING
    refresh = run.stream(S)
    assert (refresh.state, refresh.due, run.closing_seen) == (RefreshState.CLOSED, True, True)
    assert refresh.take() == 7
    assert (refresh.state, refresh.due, refresh.take()) == (RefreshState.IDLE, False, None)


def test_opening_message_waits_for_end_of_input():
    run = RunReconciliation()
    assert run.activate(S, 7) is VersionMessage.OPENING
    assert (run.stream(S).state, run.stream(S).due, run.closing_seen) == (
        RefreshState.OPENED,
        False,
        False,
    )
    records(run, 2)
    assert run.unclosed() == []
    assert (run.stream(S).state, run.stream(S).due) == (RefreshState.AT_END, True)
    assert run.stream(S).take() == 7


def test_version_sent_twice_closes_an_empty_read():
    run = RunReconciliation()
    assert run.activate(S, 7) is VersionMessage.OPENING
    assert run.activate(S, 7) is VersionMessage.REPEATED
    assert (run.stream(S).state, run.closing_seen) == (RefreshState.CLOSED, True)


def test_a_new_version_without_records_opens_again():
    run = RunReconciliation()
    run.activate(S, 7)
    assert run.activate(S, 8) is VersionMessage.OPENING
    assert (run.stream(S).state, run.stream(S).version) == (RefreshState.OPENED, 8)


def test_opened_stream_is_dropped_when_the_run_had_closing_messages():
    run = RunReconciliation()
    records(run)
    run.activate(S, 1)  # closing: the tap brackets its streams
    run.stream(S).take()
    run.activate("meetings", 2)  # opened, never closed (the tap died)
    assert run.unclosed() == ["meetings"]
    assert (run.stream("meetings").state, run.stream("meetings").due) == (
        RefreshState.IDLE,
        False,
    )


def test_records_after_closing_start_a_new_count():
    run = RunReconciliation()
    records(run, 5)
    run.activate(S, 1)
    assert run.stream(S).records_since_activation == 0
