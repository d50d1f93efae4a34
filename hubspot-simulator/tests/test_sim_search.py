"""Search: operators, limits, sorting, offset paging, the 10,000 cap, lag."""

from __future__ import annotations

import json

import pytest
from hubspot_simulator.util import parse_time
from sim_helpers import without_ids

SEARCH = "/crm/v3/objects/contacts/search"


def _all(api, body, path=SEARCH):
    """Every result of a search, following paging."""
    out = []
    after = None
    while True:
        req = dict(body, limit=200)
        if after:
            req["after"] = after
        resp = api.post(path, req)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        out += page["results"]
        if "paging" not in page:
            return out, page["total"]
        after = page["paging"]["next"]["after"]


@pytest.fixture
def contacts(fresh_simulator):
    snap = fresh_simulator.admin.snapshot("contacts")
    return [o for o in snap["objects"] if not o["archived"]]


def test_default_order_shape_and_empty(api, contacts):
    resp = api.post(SEARCH, {})
    assert resp.status_code == 200
    body = resp.json()
    assert body["total"] == len(contacts)
    assert [r["id"] for r in body["results"]] == [o["id"] for o in contacts[:10]]
    assert body["paging"] == {"next": {"after": "10"}}
    assert list(body["results"][0]["properties"]) == [
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ]
    empty = api.post(
        SEARCH,
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "email", "operator": "EQ", "value": "nobody@nowhere"}
                    ]
                }
            ]
        },
    )
    assert empty.content == b'{"total":0,"results":[]}'
    for name in (
        "X-HubSpot-RateLimit-Max",
        "X-HubSpot-RateLimit-Remaining",
        "X-HubSpot-RateLimit-Interval-Milliseconds",
        "X-HubSpot-RateLimit-Secondly",
    ):
        assert name not in resp.headers


def _expect(contacts, prop, pred):
    return sorted(o["id"] for o in contacts if pred(o["properties"].get(prop)))


def _ids(api, filters, **extra):
    results, total = _all(api, {"filterGroups": [{"filters": filters}], **extra})
    assert total == len(results)
    return sorted(r["id"] for r in results)


def test_operators(api, contacts):
    some = next(o for o in contacts if o["properties"]["lastname"])
    last = some["properties"]["lastname"]
    ms = parse_time(some["properties"]["lastmodifieddate"])
    num = lambda v: float(v) if v not in (None, "") else None  # noqa: E731
    tms = lambda v: parse_time(v) if v else None  # noqa: E731
    cases = [
        (
            [{"propertyName": "lastname", "operator": "EQ", "value": last.upper()}],
            _expect(contacts, "lastname", lambda v: v is not None and v.lower() == last.lower()),
        ),
        (
            [{"propertyName": "lastname", "operator": "NEQ", "value": last}],
            _expect(contacts, "lastname", lambda v: v is None or v.lower() != last.lower()),
        ),
        (
            [{"propertyName": "lastmodifieddate", "operator": "LT", "value": str(ms)}],
            _expect(contacts, "lastmodifieddate", lambda v: tms(v) < ms),
        ),
        (
            [{"propertyName": "lastmodifieddate", "operator": "LTE", "value": str(ms)}],
            _expect(contacts, "lastmodifieddate", lambda v: tms(v) <= ms),
        ),
        (
            [{"propertyName": "lastmodifieddate", "operator": "GT", "value": str(ms)}],
            _expect(contacts, "lastmodifieddate", lambda v: tms(v) > ms),
        ),
        (
            [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(ms)}],
            _expect(contacts, "lastmodifieddate", lambda v: tms(v) >= ms),
        ),
        (
            [
                {
                    "propertyName": "hs_analytics_num_page_views",
                    "operator": "BETWEEN",
                    "value": "100",
                    "highValue": "2000",
                }
            ],
            _expect(
                contacts,
                "hs_analytics_num_page_views",
                lambda v: num(v) is not None and 100 <= num(v) <= 2000,
            ),
        ),
        (
            [{"propertyName": "hs_object_id", "operator": "LT", "value": "1100"}],
            _expect(contacts, "hs_object_id", lambda v: int(v) < 1100),
        ),
        (
            [{"propertyName": "lifecyclestage", "operator": "IN", "values": ["lead", "customer"]}],
            _expect(contacts, "lifecyclestage", lambda v: v in ("lead", "customer")),
        ),
        (
            [
                {
                    "propertyName": "lifecyclestage",
                    "operator": "NOT_IN",
                    "values": ["lead", "customer"],
                }
            ],
            _expect(contacts, "lifecyclestage", lambda v: v not in ("lead", "customer")),
        ),
        (
            [{"propertyName": "interests", "operator": "EQ", "value": "vanilla"}],
            _expect(contacts, "interests", lambda v: bool(v) and "vanilla" in v.split(";")),
        ),
        (
            [{"propertyName": "phone", "operator": "HAS_PROPERTY"}],
            _expect(contacts, "phone", lambda v: v not in (None, "")),
        ),
        (
            [{"propertyName": "phone", "operator": "NOT_HAS_PROPERTY"}],
            _expect(contacts, "phone", lambda v: v in (None, "")),
        ),
        (
            [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@example.com"}],
            _expect(contacts, "email", lambda v: bool(v) and v.endswith("@example.com")),
        ),
        (
            [{"propertyName": "email", "operator": "NOT_CONTAINS_TOKEN", "value": "*@example.com"}],
            _expect(contacts, "email", lambda v: not (v and v.endswith("@example.com"))),
        ),
        (
            [{"propertyName": "is_vip", "operator": "EQ", "value": "TRUE"}],
            _expect(contacts, "is_vip", lambda v: v == "true"),
        ),
    ]
    for filters, expected in cases:
        assert _ids(api, filters) == expected, filters
        # Each case discriminates: it matches some contacts and leaves others out.
        assert 0 < len(expected) < len(contacts), filters


def test_or_groups_and_and_filters(api, contacts):
    groups = [
        {
            "filters": [
                {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"},
                {"propertyName": "is_vip", "operator": "EQ", "value": "true"},
            ]
        },
        {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": "1001"}]},
    ]
    results, _ = _all(api, {"filterGroups": groups})
    expected = sorted(
        o["id"]
        for o in contacts
        if (o["properties"]["lifecyclestage"] == "lead" and o["properties"]["is_vip"] == "true")
        or o["id"] == "1001"
    )
    assert sorted(r["id"] for r in results) == expected


def test_contacts_hs_lastmodifieddate_matches_nothing(api):
    body = api.post(
        SEARCH,
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"}
                    ]
                }
            ]
        },
    ).json()
    assert body == {"total": 0, "results": []}


def test_sort_by_lastmodifieddate_with_paging(api, contacts):
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "0"}]}
        ],
        "sorts": [{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}],
        "properties": ["lastmodifieddate"],
    }
    results, total = _all(api, body)
    assert total == len(contacts)
    expected = sorted(
        contacts, key=lambda o: (parse_time(o["updatedAt"]), int(o["id"])), reverse=True
    )
    assert [r["id"] for r in results] == [o["id"] for o in expected]
    first = api.post(SEARCH, dict(body, limit=7, after="14")).json()
    assert [r["id"] for r in first["results"]] == [o["id"] for o in expected[14:21]]
    assert first["paging"] == {"next": {"after": "21"}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"limit": 201}, "limit must be between 1 and 200 (got 201)."),
        (
            {"after": "10000"},
            "Paging beyond 10000 results is not supported (after=10000). "
            "Narrow the query with filters instead.",
        ),
        ({"after": "abc"}, "after must be formatted as an integer (got 'abc')."),
        (
            {"sorts": [{"propertyName": "a"}, {"propertyName": "b"}]},
            "Only one sort is supported (got 2).",
        ),
        ({"filterGroups": [{"filters": []}] * 6}, "Too many filter groups (6). The maximum is 5."),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "a", "operator": "HAS_PROPERTY"}] * 7}
                ]
            },
            "Too many filters in a filter group (7). The maximum is 6.",
        ),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "a", "operator": "HAS_PROPERTY"}] * 5}
                ]
                * 4
            },
            "Too many filters (20). The maximum is 18.",
        ),
        (
            {"query": "x" * 2990},
            "The search request body is 3003 characters long; the maximum is 3000.",
        ),
        (
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "a", "operator": "LIKE", "value": "x"}]}
                ]
            },
            "Unknown operator 'LIKE'.",
        ),
    ],
)
def test_validation_errors(api, body, message):
    resp = api.post(SEARCH, body)
    assert resp.status_code == 400
    assert without_ids(resp.json()) == {
        "status": "error",
        "message": message,
        "category": "VALIDATION_ERROR",
    }


def test_limits_at_the_edge_are_fine(api):
    filters = [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 6
    body = {
        "filterGroups": [{"filters": filters}] * 3,
        "limit": 200,
        "query": "",
        "after": "9999",
    }
    body["query"] = "a" * (3000 - len(json.dumps(body)))  # the whole body: 3,000 characters
    assert len(json.dumps(body)) == 3000
    assert api.post(SEARCH, body).status_code == 200


def test_ten_thousand_cap(fresh_simulator, api):
    fresh_simulator.admin.regenerate(
        contacts=10_400, meetings=10, appointments=0, archived_permille=0, merged_permille=0
    )
    body = {
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "limit": 200,
        "after": "9800",
    }
    page = api.post(SEARCH, body).json()
    assert page["total"] == 10_400
    assert len(page["results"]) == 200
    assert page["results"][-1]["id"] == str(1001 + 9999)
    assert page["paging"] == {"next": {"after": "10000"}}
    over = api.post(SEARCH, dict(body, after="10000"))
    assert over.status_code == 400
    straddle = api.post(SEARCH, dict(body, after="9950")).json()
    assert len(straddle["results"]) == 50  # never beyond the 10,000th result


def test_archived_never_in_search(api, fresh_simulator):
    snap = fresh_simulator.admin.snapshot("contacts", ["email"])
    archived = {o["id"] for o in snap["objects"] if o["archived"]}
    results, _ = _all(api, {})
    assert archived
    assert not archived & {r["id"] for r in results}
    assert not set(snap["merged"]) & {r["id"] for r in results}


def test_search_lag(api, fresh_simulator):
    admin = fresh_simulator.admin
    admin.set_search_lag(60_000)
    admin.update_object("contacts", "1001", {"firstname": "Lagging"})
    found = api.post(
        SEARCH,
        {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": "1001"}]}
            ]
        },
    ).json()
    assert found == {"total": 0, "results": []}
    admin.set_search_lag(0)
    found = api.post(
        SEARCH,
        {
            "filterGroups": [
                {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": "1001"}]}
            ],
            "properties": ["firstname"],
        },
    ).json()
    assert found["results"][0]["properties"]["firstname"] == "Lagging"


def test_association_pseudo_property(api, fresh_simulator):
    links = fresh_simulator.admin.association_snapshot("meetings", "contacts")
    meeting = links[-1]["fromId"]
    expected = sorted(link["toId"] for link in links if link["fromId"] == meeting)
    got = _ids(api, [{"propertyName": "associations.meeting", "operator": "EQ", "value": meeting}])
    assert got == expected


def test_query_text(api, contacts):
    name = next(o["properties"]["lastname"] for o in contacts if o["properties"]["lastname"])
    results, _ = _all(api, {"query": name})
    fields = ("firstname", "lastname", "email", "phone", "company")
    expected = sorted(
        o["id"]
        for o in contacts
        if any(name.lower() in (o["properties"][p] or "").lower() for p in fields)
    )
    assert expected
    assert sorted(r["id"] for r in results) == expected


def test_meetings_incremental_query(api, fresh_simulator):
    meetings = [
        o for o in fresh_simulator.admin.snapshot("meetings")["objects"] if not o["archived"]
    ]
    pivot = sorted(parse_time(o["updatedAt"]) for o in meetings)[len(meetings) // 2]
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(pivot)}
                ]
            }
        ],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["hs_meeting_title", "hs_lastmodifieddate"],
    }
    results, total = _all(api, body, "/crm/v3/objects/meetings/search")
    expected = sorted(
        (o for o in meetings if parse_time(o["updatedAt"]) >= pivot),
        key=lambda o: (parse_time(o["updatedAt"]), int(o["id"])),
    )
    assert [r["id"] for r in results] == [o["id"] for o in expected]
    assert total == len(expected)
    assert list(results[0]["properties"]) == [
        "hs_meeting_title",
        "hs_lastmodifieddate",
        "hs_createdate",
        "hs_object_id",
    ]
    assert results[0]["updatedAt"] == results[0]["properties"]["hs_lastmodifieddate"]


def test_date_created_and_id_ranges(api, contacts):
    dob = [
        parse_time(o["properties"]["date_of_birth"])
        for o in contacts
        if o["properties"]["date_of_birth"]
    ]
    lo, hi = sorted(dob)[len(dob) // 4], sorted(dob)[len(dob) // 2]
    assert _ids(
        api,
        [
            {
                "propertyName": "date_of_birth",
                "operator": "BETWEEN",
                "value": str(lo),
                "highValue": str(hi),
            }
        ],
    ) == _expect(contacts, "date_of_birth", lambda v: v is not None and lo <= parse_time(v) <= hi)
    created = sorted(parse_time(o["createdAt"]) for o in contacts)
    c_lo, c_hi = created[40], created[90]
    assert _ids(
        api,
        [
            {"propertyName": "createdate", "operator": "GT", "value": str(c_lo)},
            {"propertyName": "createdate", "operator": "LTE", "value": str(c_hi)},
        ],
    ) == _expect(contacts, "createdate", lambda v: c_lo < parse_time(v) <= c_hi)
    assert _ids(
        api,
        [
            {
                "propertyName": "hs_object_id",
                "operator": "BETWEEN",
                "value": "1010",
                "highValue": "1020.5",
            }
        ],
    ) == _expect(contacts, "hs_object_id", lambda v: 1010 <= int(v) <= 1020)
    assert _ids(
        api, [{"propertyName": "hs_object_id", "operator": "GT", "value": "1240"}]
    ) == _expect(contacts, "hs_object_id", lambda v: int(v) > 1240)


def test_unfiltered_orders_and_lag(api, fresh_simulator, contacts):
    by_mod, total = _all(
        api, {"sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]}
    )
    expected = sorted(contacts, key=lambda o: (parse_time(o["updatedAt"]), int(o["id"])))
    assert total == len(contacts)
    assert [r["id"] for r in by_mod] == [o["id"] for o in expected]
    desc = api.post(SEARCH, {"sorts": ["-hs_object_id"], "limit": 5, "after": 3}).json()
    assert [r["id"] for r in desc["results"]] == [o["id"] for o in contacts[::-1][3:8]]
    assert desc["paging"] == {"next": {"after": "8"}}
    fresh_simulator.admin.set_search_lag(60_000)
    fresh_simulator.admin.update_object("contacts", "1001", {"city": "Lag"})
    for body in ({}, {"sorts": [{"propertyName": "lastmodifieddate"}]}):
        results, total = _all(api, body)
        assert total == len(contacts) - 1
        assert "1001" not in {r["id"] for r in results}


@pytest.mark.parametrize(
    ("filters", "descending"),
    [
        ([("GT", 0)], False),
        ([("GT", 40), ("LTE", 120)], False),
        ([("GTE", 40), ("LT", 120)], True),
        ([("EQ", 57)], False),
        ([("GT", 10**6)], False),
    ],
)
def test_id_range_keyset_pages_equal_the_general_search(api, contacts, filters, descending):
    """The id-range fast path answers exactly what the general matcher answers (which an
    extra, always-true filter forces), totals and paging included."""
    first = int(contacts[0]["id"])
    id_filters = [
        {"propertyName": "hs_object_id", "operator": op, "value": str(first + offset - 1)}
        for op, offset in filters
    ]
    direction = "DESCENDING" if descending else "ASCENDING"
    sort = [{"propertyName": "hs_object_id", "direction": direction}]
    always = {"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}
    fast = _all(api, {"filterGroups": [{"filters": id_filters}], "sorts": sort})
    general = _all(api, {"filterGroups": [{"filters": [*id_filters, always]}], "sorts": sort})
    assert fast == general
