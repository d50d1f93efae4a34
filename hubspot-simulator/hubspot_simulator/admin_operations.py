"""Admin API operations under ``/_sim/``: request counters, rate limits, search lag, latency,
tokens, OAuth and injected faults."""

from __future__ import annotations

from typing import Any

from .admin_routes import route
from .faults import Fault
from .http import Request
from .latency import LatencyModel
from .ratelimit import RateLimitConfig
from .state import SimulatorState

# ------------------------------------------------------------------------------ operations


@route("GET", "/requests")
def get_requests(state: SimulatorState, body: Any, req: Request) -> Any:
    """Request counts per endpoint template and object type."""
    return state.counters.to_json()


@route("POST", "/requests/reset")
def reset_requests(state: SimulatorState, body: Any, req: Request) -> Any:
    """Zero the request counts."""
    state.counters.reset()
    return state.counters.to_json()


_RL_FIELDS = {
    "enabled": "enabled",
    "burst": "burst",
    "windowMs": "window_ms",
    "searchPerSecond": "search_per_second",
    "daily": "daily",
}


def rate_limits_json(cfg: RateLimitConfig) -> dict[str, Any]:
    return {k: getattr(cfg, v) for k, v in _RL_FIELDS.items()}


def _limits_with_usage(state: SimulatorState) -> dict[str, Any]:
    limiter = state.limiter
    return rate_limits_json(limiter.config) | {
        "dailyUsed": limiter.daily_used,
        "dailyRemaining": max(0, limiter.daily_left()),
    }


@route("GET", "/config/ratelimits")
def get_rate_limits(state: SimulatorState, body: Any, req: Request) -> Any:
    """Current rate-limit configuration and today's daily usage."""
    return _limits_with_usage(state)


@route("PUT", "/config/ratelimits")
def set_rate_limits(state: SimulatorState, body: Any, req: Request) -> Any:
    """Change some limits, empty the windows and the daily count; ``dailyUsed`` then sets the
    requests already spent today (a portal near its daily quota)."""
    cfg = state.limiter.config
    used = body.get("dailyUsed")
    if used is not None and (isinstance(used, bool) or not isinstance(used, int) or used < 0):
        raise ValueError(f"dailyUsed must be a non-negative integer (got {used!r})")
    for key, value in body.items():
        if key == "dailyUsed":
            continue
        if key not in _RL_FIELDS:
            raise ValueError(f"unknown rate limit field {key}")
        setattr(cfg, _RL_FIELDS[key], bool(value) if key == "enabled" else int(value))
    state.limiter.reset_state()
    if used is not None:
        state.limiter.daily_used = used
    return _limits_with_usage(state)


@route("PUT", "/config/search")
def set_search(state: SimulatorState, body: Any, req: Request) -> Any:
    """``lagMs``: records modified in the last N ms are not yet visible to search."""
    state.search_lag_ms = int(body.get("lagMs", 0))
    return {"lagMs": state.search_lag_ms}


@route("GET", "/config/latency")
def get_latency(state: SimulatorState, body: Any, req: Request) -> Any:
    """The latency model: jitter, seed and per-kind costs."""
    return state.latency.to_json()


@route("PUT", "/config/latency")
def set_latency(state: SimulatorState, body: Any, req: Request) -> Any:
    """Replace the latency model: ``{preset?, jitter?, seed?, endpoints?}`` (see latency.py)."""
    state.latency = LatencyModel.from_json(body)
    return state.latency.to_json()


@route("POST", "/config/tokens")
def add_token(state: SimulatorState, body: Any, req: Request) -> Any:
    """Accept a token, optionally with only some scopes and/or expiring in N seconds."""
    state.auth.add_token(str(body["token"]), body.get("scopes"), body.get("expiresIn"))
    return {"status": "ok"}


@route("DELETE", "/config/tokens/{token}")
def remove_token(state: SimulatorState, body: Any, req: Request, token: str) -> Any:
    """Stop accepting a token."""
    state.auth.remove_token(token)
    return {"status": "ok"}


@route("PUT", "/config/oauth")
def set_oauth(state: SimulatorState, body: Any, req: Request) -> Any:
    """OAuth client credentials, refresh tokens (→ scopes or null) and access-token TTL."""
    auth = state.auth
    auth.client_id = body.get("clientId", auth.client_id)
    auth.client_secret = body.get("clientSecret", auth.client_secret)
    if "refreshTokens" in body:
        auth.refresh_tokens = {
            k: None if v is None else frozenset(v) for k, v in body["refreshTokens"].items()
        }
    if "tokenTtl" in body:
        auth.token_ttl_s = int(body["tokenTtl"])
    return {
        "clientId": auth.client_id,
        "clientSecret": auth.client_secret,
        "refreshTokens": {
            k: None if v is None else sorted(v) for k, v in auth.refresh_tokens.items()
        },
        "tokenTtl": auth.token_ttl_s,
    }


_FAULT_FIELDS = {
    "kind": "kind",
    "count": "count",
    "probability": "probability",
    "seed": "seed",
    "path": "path",
    "method": "method",
    "status": "status",
    "policy": "policy",
    "retryAfter": "retry_after",
    "delayMs": "delay_ms",
}


def _fault_json(f: Fault) -> dict[str, Any]:
    out = {k: getattr(f, v) for k, v in _FAULT_FIELDS.items()}
    out.update(id=f.id, hits=f.hits)
    return out


@route("GET", "/faults")
def list_faults(state: SimulatorState, body: Any, req: Request) -> Any:
    """Active fault rules."""
    return {"faults": [_fault_json(f) for f in state.faults.faults]}


@route("POST", "/faults")
def add_fault(state: SimulatorState, body: Any, req: Request) -> Any:
    """Activate a fault rule (see ``Fault``)."""
    unknown = set(body) - set(_FAULT_FIELDS)
    if unknown:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    fault = state.faults.add(Fault(**{_FAULT_FIELDS[k]: v for k, v in body.items()}))
    return _fault_json(fault)


@route("DELETE", "/faults")
def clear_faults(state: SimulatorState, body: Any, req: Request) -> Any:
    """Deactivate all fault rules."""
    state.faults.clear()
    return {"faults": []}
