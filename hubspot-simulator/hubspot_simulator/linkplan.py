"""How links are generated for the pairs added after the original five types.

``LINK_PLANS[(a, b)] = (from_type, salt, fanout, label_odds)``: every ``from_type`` record
(``a`` or ``b``) links to ``fanout[h % len]`` random records of the other type; bit ``i`` of
the pair's labels (``labels.DEFAULT_LABELS`` order, bit 0 = the unlabeled default) is added
with odds ``1/label_odds[i-1]``. Each plan has its own salt, so adding plans never changes the
links of other pairs.
"""

from __future__ import annotations

ENGAGEMENTS = ("calls", "emails", "notes", "tasks", "communications", "postal_mail")

Plan = tuple[str, str, tuple[int, ...], tuple[int, ...]]

LINK_PLANS: dict[tuple[str, str], Plan] = {
    # original pairs that had no generated links (empty in the default dataset: no companies
    # or deals there)
    ("companies", "meetings"): ("meetings", "co-m", (0, 0, 1), ()),
    ("deals", "meetings"): ("meetings", "d-m", (0, 0, 1), ()),
    ("companies", "appointments"): ("appointments", "co-a", (0, 1), ()),
    ("deals", "appointments"): ("appointments", "d-a", (0, 1), ()),
    # the pairs added with the other types
    ("contacts", "tickets"): ("tickets", "c-t", (1, 1, 2), ()),
    ("companies", "tickets"): ("tickets", "co-t", (0, 1, 1), (2,)),  # Primary on half
    ("deals", "tickets"): ("tickets", "d-t", (0, 0, 1), ()),
    ("tickets", "meetings"): ("meetings", "t-m", (0, 0, 0, 1), ()),
    ("tickets", "appointments"): ("appointments", "t-a", (0, 0, 0, 1), ()),
    ("contacts", "leads"): ("leads", "c-l", (1,), (1,)),  # Primary contact
    ("companies", "leads"): ("leads", "co-l", (0, 1), ()),
    ("leads", "meetings"): ("meetings", "l-m", (0, 0, 0, 1), ()),
    ("contacts", "quotes"): ("quotes", "c-q", (1, 1, 2), ()),
    ("companies", "quotes"): ("quotes", "co-q", (0, 1), ()),
    ("deals", "quotes"): ("quotes", "d-q", (1,), ()),
    ("deals", "line_items"): ("line_items", "d-li", (1,), ()),
    ("quotes", "line_items"): ("line_items", "q-li", (0, 1), ()),
    ("contacts", "feedback_submissions"): ("feedback_submissions", "c-fs", (1,), ()),
    ("contacts", "services"): ("services", "c-sv", (0, 1, 2), ()),
    ("contacts", "courses"): ("courses", "c-cr", (0, 1, 2), ()),
    ("contacts", "listings"): ("listings", "c-ls", (0, 1, 2), ()),
    ("pets", "contacts"): ("pets", "p-c", (1, 1, 2), (3,)),  # "Owner" on a third
    ("pets", "companies"): ("pets", "p-co", (0, 1), ()),
    ("vehicles", "contacts"): ("vehicles", "v-c", (1, 2), (2,)),  # "Driver" on half
    ("vehicles", "deals"): ("vehicles", "v-d", (0, 1), ()),
    # the 2026-09 commerce types: carts and orders of contacts, invoices of deals, payments of
    # invoices, adjustments on invoices and quotes
    ("contacts", "carts"): ("carts", "c-cart", (1,), ()),
    ("carts", "line_items"): ("carts", "cart-li", (1, 2), ()),
    ("orders", "carts"): ("orders", "o-cart", (0, 1), ()),
    ("contacts", "orders"): ("orders", "c-o", (1, 1, 2), (3,)),  # WORK "Purchaser" on a third
    ("companies", "orders"): ("orders", "co-o", (0, 1), ()),
    ("deals", "orders"): ("orders", "d-o", (0, 1), ()),
    ("orders", "line_items"): ("orders", "o-li", (1, 2, 3), ()),
    ("contacts", "invoices"): ("invoices", "c-inv", (1,), ()),
    ("companies", "invoices"): ("invoices", "co-inv", (0, 1), ()),
    ("deals", "invoices"): ("invoices", "d-inv", (1,), ()),
    ("invoices", "line_items"): ("invoices", "inv-li", (1, 2), ()),
    ("invoices", "commerce_payments"): ("commerce_payments", "inv-pay", (1,), ()),
    ("contacts", "commerce_payments"): ("commerce_payments", "c-pay", (0, 1), ()),
    ("invoices", "discounts"): ("invoices", "inv-disc", (0, 0, 1), ()),
    ("invoices", "fees"): ("invoices", "inv-fee", (0, 0, 1), ()),
    ("invoices", "taxes"): ("invoices", "inv-tax", (0, 1), ()),
    ("quotes", "discounts"): ("quotes", "q-disc", (0, 1), ()),
    ("contacts", "subscriptions"): ("subscriptions", "c-sub", (1,), ()),
}

for _e in ENGAGEMENTS:
    LINK_PLANS["contacts", _e] = (_e, f"c-{_e}", (1, 1, 2, 3), ())
    LINK_PLANS["companies", _e] = (_e, f"co-{_e}", (0, 0, 1), ())
    LINK_PLANS["deals", _e] = (_e, f"d-{_e}", (0, 0, 0, 1), ())
    LINK_PLANS["tickets", _e] = (_e, f"t-{_e}", (0, 0, 0, 1), ())
    LINK_PLANS["appointments", _e] = (_e, f"a-{_e}", (0, 0, 0, 1), ())
    if _e not in ("communications", "postal_mail"):
        LINK_PLANS["leads", _e] = (_e, f"l-{_e}", (0, 0, 0, 1), ())

# Deals with a second, non-Primary company (added to the original pair's links).
SECOND_COMPANY: Plan = ("deals", "co-d2", (0, 0, 0, 1), ())
