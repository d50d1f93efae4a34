"""singer-sdk standard tap tests against a dedicated simulator (started at collection time,
because the SDK builds its test class, and discovers streams, when the module is imported)."""

from __future__ import annotations

import atexit

from hubspot_simulator.testing import SimulatorProcess
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from tap_helpers import FAST_LIMITS
from tap_hubspot_assoc.tap import TapHubspotAssoc

_SIMULATOR = SimulatorProcess(contacts=120, meetings=30, appointments=10, rate_limit=False)
_SIMULATOR.start()
atexit.register(_SIMULATOR.stop)

CONFIG = {
    "access_token": _SIMULATOR.token,
    "api_url": _SIMULATOR.base_url,
    "object_types": ["contacts", "meetings", "appointments"],
    "include_archived": True,
    "reference_data": "all",
    "list_members": "all",
    "association_pairs": [
        {"from": "meetings", "to": "contacts"},
        {"from": "appointments", "to": "contacts"},
        {"from": "meetings", "to": "appointments"},
    ],
    **FAST_LIMITS,
}

TestTapHubspotAssoc = get_tap_test_class(
    TapHubspotAssoc,
    config=CONFIG,
    suite_config=SuiteConfig(ignore_no_records=False),
)
