"""Association test helpers: expected sets from the simulator, tap output views, a pipeline
through the real target, and a rewriting proxy for per-input 207 errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import requests
from hubspot_simulator.admin import SimulatorAdmin
from hubspot_simulator.testing import SimulatorProcess
from tap_helpers import TapOutput, parse_messages

ASSOC_BATCH = "POST /crm/v4/associations/{from}/{to}/batch/read"
ALL_PAIRS = [
    {"from": "meetings", "to": "contacts"},
    {"from": "appointments", "to": "contacts"},
    {"from": "meetings", "to": "appointments"},
]
BIN = Path(sys.executable).parent

Row = tuple[str, str, int, str | None, str | None]  # from, to, type id, category, label


def directions(pairs: list[dict[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for pair in pairs:
        for direction in ((pair["from"], pair["to"]), (pair["to"], pair["from"])):
            if direction not in out:
                out.append(direction)
    return out


def stream_of(from_type: str, to_type: str) -> str:
    return f"{from_type}_to_{to_type}_associations"


def expected_rows(admin: SimulatorAdmin, from_type: str, to_type: str) -> set[Row]:
    """The simulator's live associations of one direction, one row per type id."""
    return {
        (link["fromId"], link["toId"], t["typeId"], t["category"], t["label"])
        for link in admin.association_snapshot(from_type, to_type)
        for t in link["types"]
    }


def emitted_rows(output: TapOutput, from_type: str, to_type: str) -> list[Row]:
    return [
        (
            r["from_object_id"],
            r["to_object_id"],
            r["association_type_id"],
            r["association_category"],
            r["association_label"],
        )
        for r in output.records(stream_of(from_type, to_type))
    ]


def markers(output: TapOutput, from_type: str, to_type: str) -> dict[str, int]:
    """from id -> association_count of this direction's markers."""
    stream = stream_of(from_type, to_type)
    found: dict[str, int] = {}
    for marker in output.records("association_parent_syncs"):
        if marker["association_stream"] == stream:
            assert marker["from_object_id"] not in found, marker
            found[marker["from_object_id"]] = marker["association_count"]
    return found


def assert_markers_follow_their_records(output: TapOutput) -> None:
    """Every marker comes after all records of its parent and counts them exactly."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    closed: set[tuple[str, str]] = set()
    for message in output.messages:
        if message["type"] != "RECORD":
            continue
        record = message["record"]
        if message["stream"] == "association_parent_syncs":
            key = (record["association_stream"], record["from_object_id"])
            assert record["association_count"] == seen[key], record
            closed.add(key)
        elif message["stream"].endswith("_associations"):
            key = (message["stream"], record["from_object_id"])
            assert key not in closed, f"record after its parent's marker: {record}"
            seen[key] += 1


def to_counts(admin: SimulatorAdmin, from_type: str, to_type: str) -> dict[str, int]:
    """from id -> number of distinct associated records (pages are per associated record)."""
    counts: dict[str, int] = defaultdict(int)
    for link in admin.association_snapshot(from_type, to_type):
        counts[link["fromId"]] += 1
    return counts


def batch_reads(admin: SimulatorAdmin, from_type: str, to_type: str) -> int:
    counts = admin.request_counts().get("byObjectType", {}).get(ASSOC_BATCH, {})
    return int(counts.get(f"{from_type}->{to_type}", 0))


def expected_batch_reads(
    parent_ids: list[str], to_counts_by_id: dict[str, int], page: int = 500, batch: int = 1000
) -> tuple[int, int]:
    """(the issue's estimate, the exact count for the tap's strategy).

    Estimate: ceil(parents/1000) + one request per extra page. Exact: per batch of 1,000
    parents in read order, 1 + the most extra pages any parent of the batch needs (the
    follow-up requests carry every parent that still has a cursor).
    """

    def extra(object_id: str) -> int:
        return max(0, math.ceil(to_counts_by_id.get(object_id, 0) / page) - 1)

    estimate = math.ceil(len(parent_ids) / batch) + sum(extra(i) for i in parent_ids)
    exact = sum(
        1 + max((extra(i) for i in parent_ids[s : s + batch]), default=0)
        for s in range(0, len(parent_ids), batch)
    )
    return estimate, exact


def labels_of(sim: SimulatorProcess, from_type: str, to_type: str) -> set[tuple]:
    body = requests.get(
        f"{sim.base_url}/crm/v4/associations/{from_type}/{to_type}/labels",
        headers=sim.auth_headers(),
        timeout=30,
    ).json()
    return {(from_type, to_type, r["typeId"], r["category"], r["label"]) for r in body["results"]}


# -- the real pipeline: tap CLI | target CLI ------------------------------------------------


def run_pipeline(
    tap_config: dict[str, Any],
    target_config: dict[str, Any],
    state: dict[str, Any] | None,
    workdir: Path,
) -> dict[str, Any]:
    """tap-hubspot-assoc | target-hubspot-overwrite; returns the last STATE the target wrote."""
    workdir.mkdir(parents=True, exist_ok=True)
    tap_file, target_file = workdir / "tap.json", workdir / "target.json"
    tap_file.write_text(json.dumps(tap_config))
    target_file.write_text(json.dumps(target_config))
    tap_cmd = [str(BIN / "tap-hubspot-assoc"), "--config", str(tap_file)]
    if state is not None:
        state_file = workdir / "state.json"
        state_file.write_text(json.dumps(state))
        tap_cmd += ["--state", str(state_file)]
    with (workdir / "tap.log").open("w") as tap_log, (workdir / "target.log").open("w") as log:
        tap = subprocess.Popen(tap_cmd, stdout=subprocess.PIPE, stderr=tap_log)
        target = subprocess.run(
            [str(BIN / "target-hubspot-overwrite"), "--config", str(target_file)],
            stdin=tap.stdout,
            stdout=subprocess.PIPE,
            stderr=log,
            check=False,
            timeout=600,
        )
        assert tap.stdout is not None
        tap.stdout.close()
        assert tap.wait(timeout=60) == 0, (workdir / "tap.log").read_text()[-3000:]
    assert target.returncode == 0, (workdir / "target.log").read_text()[-3000:]
    states = parse_messages(target.stdout.decode()).messages
    return dict(states[-1]) if states else {}


def run_pipeline_killed(
    tap_config: dict[str, Any],
    target_config: dict[str, Any],
    state: dict[str, Any],
    workdir: Path,
    kill_when: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """tap | target through a relay that SIGKILLs the tap when `kill_when(message)`; the
    target then sees end of input. Returns the last STATE the target wrote."""
    import os
    import signal

    workdir.mkdir(parents=True, exist_ok=True)
    for name, value in (
        ("tap.json", tap_config),
        ("target.json", target_config),
        ("state.json", state),
    ):
        (workdir / name).write_text(json.dumps(value))
    tap = subprocess.Popen(
        [
            str(BIN / "tap-hubspot-assoc"),
            "--config",
            str(workdir / "tap.json"),
            "--state",
            str(workdir / "state.json"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    with (workdir / "target.log").open("w") as log:
        target = subprocess.Popen(
            [str(BIN / "target-hubspot-overwrite"), "--config", str(workdir / "target.json")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert tap.stdout is not None
        assert target.stdin is not None
        for line in tap.stdout:
            target.stdin.write(line)
            if kill_when(json.loads(line)):
                os.killpg(tap.pid, signal.SIGKILL)
                break
        target.stdin.close()
        assert target.stdout is not None
        out = target.stdout.read()
        target.wait(timeout=300)
    tap.wait()
    assert target.returncode == 0, (workdir / "target.log").read_text()[-3000:]
    states = parse_messages(out).messages  # the target prints committed states as raw JSON
    return dict(states[-1])


def db_rows(url: str, schema: str, table: str) -> set[tuple]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT from_object_id, to_object_id, association_type_id, association_category, "
            f'association_label FROM "{schema}"."{table}"'
        ).fetchall()
    return {tuple(r) for r in rows}


def db_labels(url: str, schema: str) -> set[tuple]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"SELECT from_object_type, to_object_type, association_type_id, "
            f'association_category, association_label FROM "{schema}"."association_labels"'
        ).fetchall()
    return {tuple(r) for r in rows}


# -- a proxy that turns chosen batch/read results into 207 errors ---------------------------

Rewrite = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


class RewritingProxy:
    """Forwards to the simulator; `rewrite(request_body, response_body)` may change
    association batch/read responses of any API version (the simulator has no per-input error
    faults)."""

    def __init__(self, upstream: str, rewrite: Rewrite) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy.forward(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                proxy.forward(self, self.rfile.read(length))

        self.upstream = upstream.rstrip("/")
        self.rewrite = rewrite
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RewritingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def forward(self, handler: BaseHTTPRequestHandler, body: bytes | None) -> None:
        headers = {
            k: v
            for k, v in handler.headers.items()
            if k.lower() in ("authorization", "content-type", "accept")
        }
        response = requests.request(
            handler.command, self.upstream + handler.path, data=body, headers=headers, timeout=60
        )
        status, content = response.status_code, response.content
        path = handler.path
        if handler.command == "POST" and "/batch/read" in path and "/associations/" in path:
            rewritten = self.rewrite(json.loads(body or b"{}"), response.json())
            # 2026-09 answers 200 with the errors in the body; legacy and 2026-03 answer 207
            status = 207 if rewritten.get("errors") and "/2026-09/" not in path else 200
            content = json.dumps(rewritten).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)
