"""The association fan-out's streams, built for one run and hooked into singer-sdk.

Association streams are driven by the object stream of their `from` type: their records are
written by that stream's read hook (`feeders.ParentFeeder`), never by the SDK syncing them;
the markers are written alongside. `streams.attach` is the one wiring (through
`sdk_private.drive`, whose docstring says what the SDK needs).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from singer_sdk import Stream, Tap

from tap_hubspot_assoc.association.direction_sync import DirectionSync
from tap_hubspot_assoc.association.feeders import AssociationFanOut
from tap_hubspot_assoc.association.labels import LabelRegistry
from tap_hubspot_assoc.association.pairs import Direction
from tap_hubspot_assoc.association.reader import AssociationReader
from tap_hubspot_assoc.association.streams import (
    AssociationLabelsStream,
    AssociationParentSyncsStream,
    AssociationStream,
)
from tap_hubspot_assoc.client import HubSpotClient
from tap_hubspot_assoc.concurrency import RequestPool
from tap_hubspot_assoc.streams import CrmObjectStream, attach


def association_streams(
    tap: Tap,
    objects: Sequence[CrmObjectStream],
    directions: Sequence[Direction],
    labels: LabelRegistry,
    *,
    client: HubSpotClient,
    pool: RequestPool,
    logger: logging.Logger,
) -> list[Stream]:
    """`association_labels`, one stream per direction and the markers, with a feeder
    attached to every object stream that is the `from` of some direction."""
    markers = AssociationParentSyncsStream(tap)
    streams = [AssociationStream(tap, direction=d) for d in directions]
    fan_out = AssociationFanOut(
        [
            DirectionSync(
                AssociationReader(client, s.direction, labels, logger), s, markers, logger
            )
            for s in streams
        ],
        logger,
        pool,
        modes={parent.name: parent.read_mode for parent in objects},
    )
    for parent in objects:
        feeder = fan_out.feeder(parent.name)
        if feeder is None:
            continue
        from_parent = [s for s in streams if s.direction.from_type == feeder.object_type]
        attach(feeder, to=[parent], drives=from_parent, writes=[markers])
    return [
        AssociationLabelsStream(tap, directions=directions, labels=labels),
        *streams,
        markers,
    ]
