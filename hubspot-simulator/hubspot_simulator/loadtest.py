"""A small multi-process HTTP load generator to measure the simulator's throughput.

``hubspot-simulator loadtest`` starts a large simulator (100k contacts, 30k meetings, rate
limits off) unless ``--url`` is given, then hammers one endpoint per scenario with keep-alive
connections from several client processes and prints requests per second.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .auth import DEFAULT_TOKEN
from .catalog import CATALOG


@dataclass(frozen=True)
class Scenario:
    """One request repeated in a loop."""

    name: str
    method: str
    path: str
    body: bytes | None = None


def scenarios() -> list[Scenario]:
    """The measured requests (ids assume the default generated dataset)."""
    meetings = [{"id": str(30_000_001 + i)} for i in range(1000)]
    search = {
        "filterGroups": [
            {
                "filters": [
                    {
                        "propertyName": "lastmodifieddate",
                        "operator": "GTE",
                        "value": "1600000000000",
                    }
                ]
            }
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        "limit": 200,
        "after": "5000",
    }
    all_props = ",".join(p.name for p in CATALOG["contacts"])
    return [
        Scenario(
            "list 100 contacts", "GET", "/crm/v3/objects/contacts?limit=100&after=c2ltOjUwMDAw"
        ),
        Scenario(
            "list 100 contacts, all properties",
            "GET",
            f"/crm/v3/objects/contacts?limit=100&after=c2ltOjUwMDAw&properties={all_props}",
        ),
        Scenario(
            "v4 batch read 1000 meetings->contacts",
            "POST",
            "/crm/v4/associations/meetings/contacts/batch/read",
            json.dumps({"inputs": meetings}).encode(),
        ),
        Scenario(
            "search 200 contacts by lastmodifieddate",
            "POST",
            "/crm/v3/objects/contacts/search",
            json.dumps(search).encode(),
        ),
        Scenario(
            "batch read 100 contacts",
            "POST",
            "/crm/v3/objects/contacts/batch/read",
            json.dumps(
                {
                    "inputs": [{"id": str(2001 + i)} for i in range(100)],
                    "properties": ["email", "firstname", "lastname"],
                }
            ).encode(),
        ),
    ]


def _worker(url: str, token: str, sc: Scenario, seconds: float, out: multiprocessing.Queue) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    done = errors = 0
    size = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        conn.request(sc.method, sc.path, body=sc.body, headers=headers)
        resp = conn.getresponse()
        size = len(resp.read())
        if resp.status >= 300 and resp.status != 207:
            errors += 1
        done += 1
    out.put((done, errors, size))


def measure(
    url: str, sc: Scenario, token: str = DEFAULT_TOKEN, seconds: float = 5.0, workers: int = 4
) -> dict[str, float]:
    """Requests per second of one scenario with ``workers`` keep-alive clients."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(target=_worker, args=(url, token, sc, seconds, queue))
        for _ in range(workers)
    ]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    total = sum(r[0] for r in results)
    return {
        "requests": total,
        "errors": sum(r[1] for r in results),
        "rps": total / elapsed,
        "bytes": results[0][2],
    }


def main(url: str | None, seconds: float, workers: int) -> None:
    """Run every scenario and print a table."""
    from .testing import SimulatorProcess

    sim = None
    if url is None:
        sim = SimulatorProcess(
            contacts=100_000, meetings=30_000, appointments=3_000, rate_limit=False
        ).start()
        url = sim.base_url
    try:
        for sc in scenarios():
            r = measure(url, sc, seconds=seconds, workers=workers)
            print(
                f"{sc.name:45s} {r['rps']:8.0f} req/s  ({int(r['requests'])} requests, "
                f"{int(r['errors'])} errors, {int(r['bytes'])} bytes/response)",
                flush=True,
            )
    finally:
        if sim is not None:
            sim.stop()
