"""target-hubspot-overwrite: Singer target for PostgreSQL (upsert, force-overwrite, dry run).

The target routes Singer messages to sinks; the run's database work (connection, writer
thread, transactions, locks, rejects, the STATE gate) belongs to its ``LoadSession``.
"""

from __future__ import annotations

import copy
import ctypes
import ctypes.util
import typing as t

from singer_sdk.exceptions import RecordsWithoutSchemaException
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities
from singer_sdk.mapper import SameRecordTransform

from target_hubspot_overwrite import open_versions, ordering
from target_hubspot_overwrite.errors import run_or_exit
from target_hubspot_overwrite.parity import log_parity
from target_hubspot_overwrite.reader import (
    Line,
    LineEscapes,
    OrjsonSingerReader,
    needs_exact,
    parse_exact,
)
from target_hubspot_overwrite.sdk_private import TargetHooks
from target_hubspot_overwrite.session import LoadSession
from target_hubspot_overwrite.settings import CONFIG, LoadSettings
from target_hubspot_overwrite.sinks import HubspotOverwriteSink, raw_json
from target_hubspot_overwrite.stats import LoadStats, log_summary

if t.TYPE_CHECKING:
    from singer_sdk.sinks import Sink

# glibc mallopt() parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
AGE_CHECK_EVERY = 1000  # records between checks of the SDK's maximum record age


def keep_batch_memory() -> None:
    """Let glibc keep freed batch buffers for the next batch instead of unmapping them.

    Every batch allocates the same few large buffers (COPY text, rows); by default glibc maps
    and unmaps them each time, and the page faults cost about 5 % of a load. Peak memory is
    unchanged (it is set by ``batch_size_rows``). No-op where glibc is not the C library.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 128 << 20)
    except (OSError, AttributeError, TypeError):
        return


class TargetHubspotOverwrite(TargetHooks):
    """PostgreSQL target with transactional upsert, force-overwrite and dry runs."""

    name = "target-hubspot-overwrite"
    config_jsonschema = CONFIG
    default_sink_class = HubspotOverwriteSink
    message_reader_class = OrjsonSingerReader
    capabilities: t.ClassVar[list] = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
        PluginCapabilities.ACTIVATE_VERSION,
        TargetCapabilities.TARGET_SCHEMA,
        TargetCapabilities.HARD_DELETE,
    ]

    def __init__(self, **kwargs: t.Any) -> None:
        """Create the target; the database connection opens lazily."""
        super().__init__(**kwargs)
        keep_batch_memory()
        self.max_parallelism = 1
        self.settings = LoadSettings.from_config(dict(self.config))
        self.session = LoadSession(self.settings, dict(self.config), self.logger, self)
        self._fast_sinks: dict[str, HubspotOverwriteSink] = {}
        self._records_since_age_check = 0
        reader = self.message_reader
        if isinstance(reader, OrjsonSingerReader):
            reader.on_record = self._fast_record
            if self.settings.reject_invalid:
                reader.on_malformed = self._reject_line

    @classmethod
    def invoke(cls, **kwargs: t.Any) -> None:
        """Run the target from the command line; a failure the user can act on ends the run
        with one line saying what to do (the traceback only at DEBUG level)."""
        run_or_exit(lambda: super(TargetHubspotOverwrite, cls).invoke(**kwargs), cls.logger)

    # --- routing -----------------------------------------------------------------------------

    def is_active(self, sink: Sink) -> bool:
        """``sink`` is its stream's current sink."""
        return self.active_sinks.get(sink.stream_name) is sink

    def drain_sink(self, sink: Sink) -> None:
        """Commit ``sink``'s buffered records now."""
        self.drain_one(sink)

    def drain_retired(self, stream_name: str) -> None:
        """Drain sinks of ``stream_name`` retired by a schema change."""
        for sink in self.retired_sinks:
            if sink.stream_name == stream_name and sink.current_size:
                self.drain_one(sink)

    def drain_stream(self, stream_name: str) -> None:
        """Commit everything buffered for ``stream_name``."""
        self.drain_retired(stream_name)
        sink = self.active_sinks.get(stream_name)
        if sink is not None and sink.current_size:
            self.drain_one(sink)

    def _reject_line(self, number: int, reason: str, line: str) -> None:
        self.logger.warning("Rejected input line %d: %s", number, reason)
        self.session.reject_orphan("", f"line {number}: {reason}", line.rstrip("\n"))

    def _fast_sink(self, stream: str) -> HubspotOverwriteSink | None:
        maps = self.mapper.stream_maps.get(stream)
        if not maps or len(maps) != 1:
            return None
        smap = maps[0]
        if not isinstance(smap, SameRecordTransform) or smap.flattening_enabled:
            return None
        sink = self.active_sinks.get(stream)
        return sink if isinstance(sink, HubspotOverwriteSink) else None

    def route_record(self, message_dict: dict) -> None:
        """A RECORD the reader's fast handler did not take (first of its stream, or mapped)."""
        stream = message_dict.get("stream")
        if isinstance(stream, str) and stream not in self.mapper.stream_maps:
            if self.settings.reject_invalid:
                raw = raw_json(message_dict.get("record"))
                self.session.reject_orphan(stream, "record before schema (unknown stream)", raw)
                return
            msg = f"A record for stream '{stream}' was encountered before a corresponding schema."
            raise RecordsWithoutSchemaException(msg)
        sink = self._fast_sink(stream) if isinstance(stream, str) else None
        if sink is None or "record" not in message_dict:
            for stream_map in self.mapper.stream_maps.get(t.cast("str", stream), []):
                mapped = self.active_sinks.get(stream_map.stream_alias)
                version = message_dict.get("version")
                if isinstance(mapped, HubspotOverwriteSink) and version != mapped.record_version:
                    self._new_version(mapped, version)
            self.sdk_process_record(message_dict)
            return
        version = message_dict.get("version")
        if version != sink.record_version:
            self._new_version(sink, version)
        self._fast_sinks[t.cast("str", stream)] = sink
        if sink.accept(message_dict["record"]):
            self.drain_one(sink)
        self.check_max_record_age()

    def _fast_record(self, message: dict, line: Line, escapes: LineEscapes) -> bool:
        """Hot path for RECORD lines of known plain streams; False = take the general path."""
        stream = message.get("stream")
        sink = self._fast_sinks.get(stream) if stream.__class__ is str else None
        if sink is None or "record" not in message:
            return False
        version = message.get("version")
        if version != sink.record_version:
            self._new_version(sink, version)
        if sink.needs_exact and needs_exact(line):
            message = parse_exact(line)
        if sink.accept(message["record"], escapes):
            self.drain_one(sink)
        self._records_since_age_check += 1
        if self._records_since_age_check >= AGE_CHECK_EVERY:
            self._records_since_age_check = 0
            self.check_max_record_age()
        return True

    def _new_version(self, sink: HubspotOverwriteSink, version: object) -> None:
        """Records of ``sink``'s stream now carry another table version: its buffered records
        are committed first (a batch's keys are kept under one version, ``open_versions``)."""
        if sink.current_size:
            self.drain_one(sink)
        sink.set_version(version)

    def route_schema(self, message_dict: dict) -> None:
        """Register the schema; commit a retired sink's rows before any newer record."""
        _ = self.session.db  # connect now: a wrong database fails before anything is accepted
        self._fast_sinks.clear()  # the message may replace a stream's sink
        self.sdk_process_schema(message_dict)
        stream = message_dict.get("stream")
        if isinstance(stream, str):
            ordering.before_schema(self, stream)

    def route_activate_version(self, message_dict: dict) -> None:
        """Hand an ACTIVATE_VERSION to the stream's sinks (``reconciliation`` decides)."""
        stream = message_dict["stream"]
        if stream not in self.mapper.stream_maps:
            self.logger.warning("ACTIVATE_VERSION for unknown stream '%s' ignored", stream)
        for stream_map in self.mapper.stream_maps.get(stream, []):
            sink = self.get_sink(stream_map.stream_alias)
            if isinstance(sink, HubspotOverwriteSink):
                sink.on_activate_version(int(message_dict["version"]))

    def after_full_drain(self) -> None:
        """Wait for the writer, then write the rejected lines that belong to no sink."""
        self.session.wait_pending()
        self.session.flush_orphan_rejects()

    def process_endofpipe(self) -> None:
        """Finalize pending full refreshes with the last batch, then summarize."""
        self.session.wait_pending()
        for stream in self.session.reconciliation.unclosed():
            # The tap brackets streams with ACTIVATE_VERSION: a stream without its
            # closing message did not complete (e.g. the tap failed): delete nothing.
            self.logger.warning(
                "Stream '%s' got no closing ACTIVATE_VERSION: full-refresh reconciliation "
                "skipped, no rows deleted",
                stream,
            )
        super().process_endofpipe()
        for table in self.session.tables():
            if table.open_version is not None:
                self.logger.info(
                    "Stream '%s': version %d still open at end of input: the keys delivered "
                    "under it are kept (%s) for the run that closes it",
                    table.stream_name,
                    table.open_version,
                    open_versions.OPEN_VERSIONS_TABLE,
                )
        self._summarize()
        self.close()

    def close(self) -> None:
        """Close the session (a dry run's transaction is rolled back here)."""
        self.session.close()

    def _summarize(self) -> None:
        total = LoadStats()
        total.add(self.session.orphan_stats)
        options = {
            "dry_run": self.settings.dry_run,
            "force_overwrite": self.settings.force_overwrite,
        }
        for table in self.session.tables():
            if table.stats == LoadStats():
                continue
            log_summary(self.logger, f"stream '{table.stream_name}'", table.stats, **options)
            total.add(table.stats)
        log_summary(self.logger, "run", total, **options)
        log_parity(self.session)

    # --- STATE and signals -----------------------------------------------------------------

    def after_state_message(self) -> None:
        """Emit the STATE at once if every record before it is committed."""
        sinks = (*self.active_sinks.values(), *self.retired_sinks)
        nothing_buffered = not self.session.orphan_rejects and all(
            s.current_size == 0 for s in sinks
        )
        if nothing_buffered and self.latest_state:
            self.session.wait_pending()
            self.write_state(copy.deepcopy(self.latest_state))

    def may_write_state(self, state: dict) -> bool:
        """The session's STATE gate (see ``LoadSession.may_write_state``)."""
        return self.session.may_write_state(state)

    def after_state_written(self) -> None:
        """Act on a signal that arrived while the STATE line was written."""
        self.session.state_written()

    def on_termination(self, signum: int) -> None:
        """Abort: the open batch transaction rolls back; no STATE for uncommitted data."""
        self.session.abort(signum)
