"""What the run knows about one stream's table; outlives sink instances (a SCHEMA change
creates a new sink, the table and its run-scoped TEMP tables stay)."""

from __future__ import annotations

from dataclasses import dataclass, field

from target_hubspot_overwrite.ddl import TableShape
from target_hubspot_overwrite.stats import LoadStats


@dataclass
class StreamTable:
    """Run-scoped facts about one stream's target table, and what the run did to it."""

    stream_name: str
    index: int
    schema: str
    table: str
    shape: TableShape | None = None
    shape_known: bool = False
    key_columns: list[str] = field(default_factory=list)
    keys_table: str | None = None
    keys_indexed: bool = False
    # The stream's open version whose keys this run keeps in a lasting table (open_versions).
    open_version: int | None = None
    open_keys_table: str | None = None
    open_key_columns: list[str] | None = None
    open_key_types: list[tuple[str, str]] | None = None
    stats: LoadStats = field(default_factory=LoadStats)

    @property
    def stage_table(self) -> str:
        """Name of this stream's TEMP staging table."""
        return f"_load_stage_{self.index}"

    @property
    def keys_table_name(self) -> str:
        """Name of this stream's run-scoped TEMP key table."""
        return f"_load_keys_{self.index}"
