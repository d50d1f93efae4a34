"""The association types (labels) of every object type pair the simulated portal has.

``DEFAULT_LABELS[(a, b)]`` lists ``(category, typeId a→b, label a→b, typeId b→a, label b→a)``;
each type id belongs to one direction. Where the ids come from, per pair:

- **[D]** documented in ``shared/reference/hubspot-api.md`` §4 (HubSpot's association guide);
- **[M]** HubSpot's published table as remembered, NOT in our reference (unverified);
- **[I]** invented (unused numbers) — HubSpot's real ids may differ;
- the USER_DEFINED / INTEGRATOR_DEFINED / WORK ids 1001-1010, 1101-1112 and 1201-1216 are
  portal-specific.

The reference documents "contact → communication 82, postal mail 454, feedback 97, quote 70";
those are used in that direction, with the reverse ids 81, 453, 69 [M] and 98 [I].
"""

from __future__ import annotations

LabelTuple = tuple[str, int, str | None, int, str | None]
HS = "HUBSPOT_DEFINED"


def _plain(ab: int, ba: int) -> list[LabelTuple]:
    return [(HS, ab, None, ba, None)]


DEFAULT_LABELS: dict[tuple[str, str], list[LabelTuple]] = {
    # ---- the original pairs (unchanged; their generated links must stay byte-identical)
    ("contacts", "meetings"): [
        (HS, 199, None, 200, None),  # [D]
        ("USER_DEFINED", 1001, "Organizer", 1002, "Organized meeting"),
        ("INTEGRATOR_DEFINED", 1003, "Booked via scheduler", 1004, "Booked via scheduler"),
    ],
    ("contacts", "appointments"): [
        (HS, 907, None, 906, None),  # [D]
        ("USER_DEFINED", 1005, "Patient", 1006, "Patient appointment"),
        ("INTEGRATOR_DEFINED", 1007, "Synced by booking app", 1008, "Synced by booking app"),
    ],
    ("meetings", "appointments"): _plain(919, 918),  # [D]
    ("contacts", "companies"): [
        (HS, 279, None, 280, None),  # [D]
        (HS, 1, "Primary", 2, "Primary"),  # [D]
        ("USER_DEFINED", 1009, "Billing contact", 1010, "Billing company"),
    ],
    ("contacts", "deals"): _plain(4, 3),  # [D]
    ("companies", "deals"): [
        (HS, 342, None, 341, None),  # [D]
        (HS, 6, "Primary", 5, "Primary"),  # [D]
    ],
    ("companies", "meetings"): _plain(187, 188),  # [D]
    ("deals", "meetings"): _plain(211, 212),  # [D]
    ("companies", "appointments"): _plain(909, 908),  # [D]
    ("deals", "appointments"): _plain(945, 944),  # [D]
    # ---- contacts with everything else
    ("contacts", "tickets"): _plain(15, 16),  # [D]
    ("contacts", "calls"): _plain(193, 194),  # [D]
    ("contacts", "emails"): _plain(197, 198),  # [D]
    ("contacts", "notes"): _plain(201, 202),  # [D]
    ("contacts", "tasks"): _plain(203, 204),  # [D]
    ("contacts", "communications"): _plain(82, 81),  # [D] 82, [M] 81
    ("contacts", "postal_mail"): _plain(454, 453),  # [D] 454, [M] 453
    ("contacts", "leads"): [
        (HS, 609, None, 608, None),  # [D]
        (HS, 579, "Primary", 578, "Primary"),  # [D] lead→contact 578, [I] 579
    ],
    ("contacts", "quotes"): _plain(70, 69),  # [D] 70, [M] 69
    ("contacts", "feedback_submissions"): _plain(97, 98),  # [D] 97, [I] 98
    ("contacts", "services"): _plain(799, 800),  # [D] 799, [I] 800
    ("contacts", "courses"): _plain(861, 862),  # [D] 861, [I] 862
    ("contacts", "listings"): _plain(883, 884),  # [D] 883, [I] 884
    # ---- companies
    ("companies", "tickets"): [
        (HS, 340, None, 339, None),  # [D]
        (HS, 25, "Primary", 26, "Primary"),  # [D]
    ],
    ("companies", "calls"): _plain(181, 182),  # [M]
    ("companies", "emails"): _plain(185, 186),  # [M]
    ("companies", "notes"): _plain(189, 190),  # [M]
    ("companies", "tasks"): _plain(191, 192),  # [M]
    ("companies", "communications"): _plain(88, 87),  # [M]
    ("companies", "postal_mail"): _plain(460, 459),  # [I]
    ("companies", "quotes"): _plain(72, 71),  # [M]
    ("companies", "leads"): _plain(611, 610),  # [M]
    # ---- deals
    ("deals", "tickets"): _plain(27, 28),  # [M]
    ("deals", "calls"): _plain(205, 206),  # [M]
    ("deals", "emails"): _plain(209, 210),  # [M]
    ("deals", "notes"): _plain(213, 214),  # [M]
    ("deals", "tasks"): _plain(215, 216),  # [M]
    ("deals", "communications"): _plain(86, 85),  # [M]
    ("deals", "postal_mail"): _plain(456, 455),  # [I]
    ("deals", "line_items"): _plain(19, 20),  # [M]
    ("deals", "quotes"): _plain(63, 64),  # [M]
    # ---- tickets
    ("tickets", "calls"): _plain(219, 220),  # [M]
    ("tickets", "emails"): _plain(223, 224),  # [M]
    ("tickets", "notes"): _plain(227, 228),  # [M]
    ("tickets", "tasks"): _plain(229, 230),  # [M]
    ("tickets", "communications"): _plain(84, 83),  # [M]
    ("tickets", "postal_mail"): _plain(458, 457),  # [I]
    ("tickets", "meetings"): _plain(225, 226),  # [D]
    ("tickets", "appointments"): _plain(947, 946),  # [D]
    # ---- commerce, leads
    ("quotes", "line_items"): _plain(67, 68),  # [M]
    ("leads", "meetings"): _plain(600, 601),  # [D]
    ("leads", "calls"): _plain(596, 597),  # [I]
    ("leads", "emails"): _plain(598, 599),  # [I]
    ("leads", "notes"): _plain(602, 603),  # [I]
    ("leads", "tasks"): _plain(604, 605),  # [I]
    # ---- appointments with the other engagements
    ("appointments", "calls"): _plain(912, 913),  # [D]
    ("appointments", "emails"): _plain(916, 917),  # [D]
    ("appointments", "notes"): _plain(920, 921),  # [D]
    ("appointments", "tasks"): _plain(922, 923),  # [D]
    ("appointments", "communications"): _plain(924, 925),  # [D]
    ("appointments", "postal_mail"): _plain(926, 927),  # [D]
    # ---- custom objects (portal-specific ids) [I]
    ("pets", "contacts"): [
        (HS, 1101, None, 1102, None),
        ("USER_DEFINED", 1103, "Owner", 1104, "Owned pet"),
    ],
    ("pets", "companies"): _plain(1105, 1106),
    ("vehicles", "contacts"): [
        (HS, 1107, None, 1108, None),
        ("USER_DEFINED", 1109, "Driver", 1110, "Driven vehicle"),
    ],
    ("vehicles", "deals"): _plain(1111, 1112),
    # ---- the 2026-09 reference's commerce types (enabled in the portal preset only)
    ("contacts", "carts"): _plain(587, 586),  # [M]
    ("carts", "line_items"): _plain(590, 591),  # [M]
    ("orders", "carts"): _plain(593, 592),  # [M]
    ("contacts", "orders"): [
        (HS, 508, None, 507, None),  # [M]
        # a WORK-category label (HubSpot's reference lists the category next to the other
        # three; clients must accept it) [I]
        ("WORK", 1201, "Purchaser", 1202, "Purchased order"),
    ],
    ("companies", "orders"): _plain(510, 509),  # [M]
    ("deals", "orders"): _plain(512, 511),  # [M]
    ("orders", "line_items"): _plain(513, 514),  # [M]
    ("contacts", "invoices"): _plain(177, 178),  # [M]
    ("companies", "invoices"): _plain(179, 180),  # [M]
    ("deals", "invoices"): _plain(175, 176),  # [M]
    ("invoices", "line_items"): _plain(409, 410),  # [M]
    ("invoices", "commerce_payments"): _plain(1203, 1204),  # [I]
    ("contacts", "commerce_payments"): _plain(1205, 1206),  # [I]
    ("invoices", "discounts"): _plain(1207, 1208),  # [I]
    ("invoices", "fees"): _plain(1209, 1210),  # [I]
    ("invoices", "taxes"): _plain(1211, 1212),  # [I]
    ("quotes", "discounts"): _plain(1213, 1214),  # [I]
    ("contacts", "subscriptions"): _plain(1215, 1216),  # [I] (not enabled in the preset)
}
