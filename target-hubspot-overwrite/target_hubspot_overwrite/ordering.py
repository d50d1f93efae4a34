"""Which stream's records are committed before which: every ordering rule of the target.

The target writes one batch at a time, each in its own transaction, in the order the rules
below commit them. Nothing else in the package drains a stream out of turn.

==========================  ==================================  ==========================
before                      committed first                     so that
==========================  ==================================  ==========================
a batch of                  the records of each                 the marker's removal sees
``association_parent_       ``association_stream`` its rows     the parent's delivered
syncs``                     name                                rows
a batch of ``merges``       each ``object_type`` its rows       the survivor's row is in
                            name, and its                       before its absorbed rows
                            ``{type}_property_history``         go; the history rows to
                                                                flag are stored
a batch of                  each counted ``object_type``, and   the count and the id list
``object_counts``           ``object_ids``                      see every record read
the records of a new        the stream's sinks retired by the   rows load in arrival
SCHEMA                      schema change                       order
a closing                   the stream's retired sinks, then    the reconciliation runs in
ACTIVATE_VERSION            its own buffered records (or an     the last batch's
                            empty batch)                        transaction
a STATE line                every buffered record, and the      STATE never covers an
                            batch in flight (``LoadSession``)   uncommitted row
end of input                every stream (the SDK's drain),     pending full refreshes run
                            then the batch in flight            in their last batch
==========================  ==================================  ==========================
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterable

from target_hubspot_overwrite.merged_records import MERGES_STREAM
from target_hubspot_overwrite.parity import COUNTS_STREAM, IDS_STREAM
from target_hubspot_overwrite.reconciliation import MARKER_STREAM, MarkerField, history_stream

if t.TYPE_CHECKING:
    from singer_sdk.sinks import Sink

    from target_hubspot_overwrite.session import StreamRouter


def _named(rows: Iterable[dict], field: str) -> list[str]:
    return list(dict.fromkeys(str(r.get(field)) for r in rows))


def _merged_types(rows: list[dict]) -> list[str]:
    return [
        s
        for object_type in _named(rows, "object_type")
        for s in (object_type, history_stream(object_type))
    ]


COMMIT_FIRST: dict[str, Callable[[list[dict]], list[str]]] = {
    MARKER_STREAM: lambda rows: _named(rows, MarkerField.ASSOCIATION_STREAM),
    MERGES_STREAM: _merged_types,
    COUNTS_STREAM: lambda rows: [*_named(rows, "object_type"), IDS_STREAM],
}
"""Per stream: the streams its batch needs committed first, from its buffered rows."""


def before_batch(router: StreamRouter, stream_name: str, rows: Callable[[], list[dict]]) -> None:
    """Commit what a batch of ``stream_name`` needs committed first (``rows``: its buffer)."""
    first = COMMIT_FIRST.get(stream_name)
    if first is not None:
        for other in first(rows()):
            router.drain_stream(other)


def before_schema(router: StreamRouter, stream_name: str) -> None:
    """A SCHEMA message: the stream's retired sinks are committed before any newer record."""
    router.drain_retired(stream_name)


def before_closing(router: StreamRouter, sink: Sink) -> bool:
    """A closing ACTIVATE_VERSION: commit the stream's retired sinks, then ``sink``'s buffered
    records (whose batch then reconciles); False when it had none (the caller reconciles in
    an empty batch)."""
    router.drain_retired(sink.stream_name)
    if not sink.current_size:
        return False
    router.drain_sink(sink)
    return True
