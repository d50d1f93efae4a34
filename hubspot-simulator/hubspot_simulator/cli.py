"""``hubspot-simulator serve ...``: generate a dataset and serve it with uvicorn."""

from __future__ import annotations

import argparse
import socket
import sys
import time

import uvicorn

from .app import SimulatorApp
from .auth import DEFAULT_TOKEN
from .generator import DatasetSpec
from .idlayout import IdLayout
from .latency import DEFAULT_JITTER, DEFAULT_SEED, LatencyModel, LatencyPreset
from .objecttypes import OPTIONAL_TYPES
from .ratelimit import RateLimitConfig
from .state import SimulatorState


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(
        prog="hubspot-simulator", description="A local HubSpot CRM API simulator."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="generate a dataset and serve the API")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--contacts", type=int, default=5000)
    s.add_argument("--meetings", type=int, default=800)
    s.add_argument("--appointments", type=int, default=100)
    s.add_argument("--companies", type=int, default=0)
    s.add_argument("--deals", type=int, default=0)
    s.add_argument(
        "--big-fanout",
        type=int,
        default=2500,
        help="associations of contact 0 / meeting 0 (the 'thousands' record)",
    )
    s.add_argument(
        "--portal",
        action="store_true",
        help="the whole-portal preset (every type, custom objects, fan-outs, the wide products); "
        "explicit size flags given after it still apply",
    )
    s.add_argument(
        "--size",
        action="append",
        default=[],
        metavar="FIELD=N",
        help="any DatasetSpec field, e.g. --size tickets=30 --size wide_properties=2000 "
        "(--size id_layout=realistic works too)",
    )
    s.add_argument(
        "--activate",
        action="append",
        default=[],
        choices=list(OPTIONAL_TYPES),
        help="activate an optional type (services, courses, listings)",
    )
    s.add_argument(
        "--id-layout",
        default=IdLayout.UNIFORM.value,
        choices=[m.value for m in IdLayout],
        help="record ids: uniform (base + index) or realistic (eras, import blocks, holes, "
        "outliers; see idlayout.py)",
    )
    s.add_argument("--token", default=DEFAULT_TOKEN, help="accepted static Bearer token")
    s.add_argument("--token-ttl", type=int, default=1800, help="OAuth access token lifetime (s)")
    s.add_argument("--no-rate-limit", action="store_true", help="never answer 429")
    s.add_argument("--burst-limit", type=int, default=100, help="requests per rolling window")
    s.add_argument("--burst-window-ms", type=int, default=10_000)
    s.add_argument("--search-limit", type=int, default=5, help="search requests per second")
    s.add_argument("--daily-limit", type=int, default=250_000)
    s.add_argument(
        "--search-lag-ms",
        type=int,
        default=0,
        help="records modified in the last N ms are not yet visible to search",
    )
    s.add_argument(
        "--latency",
        default=LatencyPreset.OFF.value,
        choices=[p.value for p in LatencyPreset],
        help="response latency model: off, or realistic (per endpoint fixed + per record, "
        "see latency.py)",
    )
    s.add_argument("--latency-jitter", type=float, default=DEFAULT_JITTER, help="±fraction")
    s.add_argument("--latency-seed", type=int, default=DEFAULT_SEED)
    s.add_argument("--log-level", default="warning")
    lt = sub.add_parser("loadtest", help="measure throughput (starts a large simulator)")
    lt.add_argument("--url", default=None, help="an already running simulator")
    lt.add_argument("--seconds", type=float, default=5.0)
    lt.add_argument("--workers", type=int, default=4)
    return parser


def dataset_spec(args: argparse.Namespace) -> DatasetSpec:
    """The DatasetSpec of the ``serve`` flags: the portal preset (``--portal``) or the classic
    sizes, then ``--size`` overrides and ``--activate``."""
    fields: dict[str, object] = {
        "seed": args.seed,
        "big_fanout": args.big_fanout,
        "id_layout": args.id_layout,
    }
    if args.portal:
        fields.update(DatasetSpec.portal_sizes())
    else:
        for name in ("contacts", "meetings", "appointments", "companies", "deals"):
            fields[name] = getattr(args, name)
    for item in args.size:
        key, _, value = item.partition("=")
        fields[key.strip()] = value.strip()
    if args.activate:
        preset = DatasetSpec.portal_sizes()["activated_extra"] if args.portal else []
        fields["activated_extra"] = [*preset, *args.activate]
    return DatasetSpec.from_json(fields)


def serve(args: argparse.Namespace) -> None:
    """Generate, bind, print the URL, serve until interrupted."""
    t0 = time.perf_counter()
    spec = dataset_spec(args)
    limits = RateLimitConfig(
        enabled=not args.no_rate_limit,
        burst=args.burst_limit,
        window_ms=args.burst_window_ms,
        search_per_second=args.search_limit,
        daily=args.daily_limit,
    )
    state = SimulatorState(
        spec,
        token=args.token,
        rate_limits=limits,
        token_ttl_s=args.token_ttl,
        search_lag_ms=args.search_lag_ms,
        latency=LatencyModel.preset(
            args.latency, jitter=args.latency_jitter, seed=args.latency_seed
        ),
    )
    generated = time.perf_counter() - t0
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(2048)
    host, port = sock.getsockname()[:2]
    url = f"http://{host}:{port}"
    records = sum(len(t) for t in state.dataset.tables.values())
    print(
        f"hubspot-simulator serving {url} token={args.token} "
        f"(contacts={spec.contacts} meetings={spec.meetings} "
        f"appointments={spec.appointments} records={records}"
        f", generated in {generated:.2f}s)",
        flush=True,
    )
    config = uvicorn.Config(
        SimulatorApp(state),
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level=args.log_level,
        timeout_keep_alive=30,
    )
    uvicorn.Server(config).run(sockets=[sock])


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``hubspot-simulator`` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        try:
            serve(args)
        except KeyboardInterrupt:
            sys.exit(0)
    elif args.command == "loadtest":
        from .loadtest import main as loadtest

        loadtest(args.url, args.seconds, args.workers)


if __name__ == "__main__":
    main()
