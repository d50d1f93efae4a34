"""The association fan-out: every configured direction read for the object streams' parents.

- `pairs.py`: pairs and directions from the settings, fallback type ids;
- `labels.py`: association types (labels) per direction, discovered once per run;
- `reader.py`: one direction's v4 batch reads (1,000 parents, each parent's cursor, 207s);
- `batches.py`: batch reads in flight on the shared workers, written in feed order;
- `prefetch.py`: an incremental read's batches fetched while its pages are read ahead;
- `direction_sync.py`: one direction's records, markers, version and summary;
- `feeders.py`: the object streams' read hooks (1,000-id batches, sweeps, scoped and
  merge re-reads);
- `streams.py`: the Singer streams (labels, `{from}_to_{to}_associations`, markers);
- `wiring.py`: builds all of it for a run and hooks it into singer-sdk (one way).
"""
