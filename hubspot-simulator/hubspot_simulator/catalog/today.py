"""Object types of HubSpot's 2026-09 reference beyond the classic ones: commerce (carts,
orders, invoices, commerce payments, subscriptions, discounts, fees, taxes), goal targets and
users. Each has HubSpot's ``hs_createdate`` / ``hs_lastmodifieddate`` keys and a few
representative properties (names in HubSpot's ``hs_`` style, not a full copy of its catalogue).
"""

from __future__ import annotations

from .base import (
    PropertySpec,
    boolean,
    common_keys,
    date_in_years,
    datetime_after_created,
    decimal,
    enum,
    integer,
    opts,
    pick,
    prop,
    text,
)
from .pools import CITIES, FIRST_NAMES, LAST_NAMES

CURRENCIES = opts("EUR", "USD", "GBP")
ADJUSTMENT = opts("PERCENT", "FIXED")


def _money(group: str, name: str, label: str, lo: int, hi: int) -> PropertySpec:
    return prop(name, label, "number", group, decimal(lo, hi, null=50))


def _currency(group: str) -> PropertySpec:
    return prop("hs_currency_code", "Currency", "enumeration", group, enum(CURRENCIES), CURRENCIES)


def _named(group: str, label: str, name: str = "hs_name") -> PropertySpec:
    return prop(name, label, "string", group, text(1, 4))


def _keys(group: str) -> list[PropertySpec]:
    return common_keys(group, "hs_createdate", "hs_lastmodifieddate")


CART_STATUS = opts("OPEN", "CHECKED_OUT", "ABANDONED")
CARTS: list[PropertySpec] = [
    *_keys("cart_information"),
    _named("cart_information", "Cart name", "hs_cart_name"),
    _currency("cart_information"),
    _money("cart_information", "hs_total_price", "Total price", 5, 4000),
    prop("hs_cart_status", "Status", "enumeration", "cart_information", enum(CART_STATUS),
         CART_STATUS),
]  # fmt: skip

ORDER_STATUS = opts("PENDING", "PAID", "FULFILLED", "CANCELLED", "REFUNDED")
ORDERS: list[PropertySpec] = [
    *_keys("order_information"),
    _named("order_information", "Order name", "hs_order_name"),
    _currency("order_information"),
    _money("order_information", "hs_total_price", "Total price", 5, 9000),
    prop("hs_fulfillment_status", "Fulfillment status", "enumeration", "order_information",
         enum(ORDER_STATUS), ORDER_STATUS),
    prop("hs_billing_address_city", "Billing city", "string", "order_information",
         pick(CITIES, null=100)),
    prop("hs_external_order_id", "External order id", "string", "order_information",
         lambda h, c: f"ORD-{c.record_id}"),
]  # fmt: skip

INVOICE_STATUS = opts("draft", "open", "paid", "voided")
INVOICES: list[PropertySpec] = [
    *_keys("invoice_information"),
    prop("hs_number", "Invoice number", "string", "invoice_information",
         lambda h, c: f"INV-{c.record_id}", has_unique_value=True),
    prop("hs_invoice_status", "Status", "enumeration", "invoice_information",
         enum(INVOICE_STATUS), INVOICE_STATUS),
    _currency("invoice_information"),
    _money("invoice_information", "hs_amount_billed", "Amount billed", 10, 20_000),
    prop("hs_due_date", "Due date", "date", "invoice_information", date_in_years(2024, 2)),
]  # fmt: skip

PAYMENT_STATUS = opts("succeeded", "processing", "failed", "refunded")
PAYMENT_METHOD = opts("card", "ach", "sepa")
COMMERCE_PAYMENTS: list[PropertySpec] = [
    *_keys("payment_information"),
    _currency("payment_information"),
    _money("payment_information", "hs_initial_amount", "Amount", 10, 20_000),
    prop("hs_latest_status", "Status", "enumeration", "payment_information",
         enum(PAYMENT_STATUS), PAYMENT_STATUS),
    prop("hs_payment_method_type", "Payment method", "enumeration", "payment_information",
         enum(PAYMENT_METHOD, null=100), PAYMENT_METHOD),
    prop("hs_processed_date", "Processed", "datetime", "payment_information",
         datetime_after_created(30, null=150)),
]  # fmt: skip

SUBSCRIPTION_STATUS = opts("active", "past_due", "canceled", "expired")
BILLING = opts("monthly", "quarterly", "annually")
SUBSCRIPTIONS: list[PropertySpec] = [
    *_keys("subscription_information"),
    _named("subscription_information", "Name"),
    prop("hs_status", "Status", "enumeration", "subscription_information",
         enum(SUBSCRIPTION_STATUS), SUBSCRIPTION_STATUS),
    prop("hs_recurring_billing_period", "Billing period", "enumeration",
         "subscription_information", enum(BILLING), BILLING),
    prop("hs_next_payment_due_date", "Next payment", "date", "subscription_information",
         date_in_years(2025, 2, null=200)),
]  # fmt: skip


def _adjustment(group: str, lo: int, hi: int) -> list[PropertySpec]:
    """Discounts, fees and taxes: a label, a percent-or-fixed type and a value."""
    return [
        *_keys(group),
        _named(group, "Label", "hs_label"),
        prop("hs_type", "Type", "enumeration", group, enum(ADJUSTMENT), ADJUSTMENT),
        prop("hs_value", "Value", "number", group, decimal(lo, hi)),
    ]


DISCOUNTS = _adjustment("discount_information", 1, 40)
FEES = _adjustment("fee_information", 1, 150)
TAXES = _adjustment("tax_information", 1, 25)

GOAL_TARGETS: list[PropertySpec] = [
    *_keys("goal_information"),
    _named("goal_information", "Goal name", "hs_goal_name"),
    prop("hs_target_amount", "Target", "number", "goal_information", integer(1, 500)),
    prop("hs_start_datetime", "Start", "datetime", "goal_information",
         datetime_after_created(10)),
    prop("hs_end_datetime", "End", "datetime", "goal_information", datetime_after_created(120)),
]  # fmt: skip

USERS: list[PropertySpec] = [
    *_keys("user_information"),
    prop("hs_given_name", "First name", "string", "user_information", pick(FIRST_NAMES)),
    prop("hs_family_name", "Last name", "string", "user_information", pick(LAST_NAMES)),
    prop("hs_email", "Email", "string", "user_information",
         lambda h, c: f"user{c.record_id}@example.com", has_unique_value=True),
    prop("hs_job_title", "Job title", "string", "user_information", text(1, 3, null=300)),
    prop("hs_deactivated", "Deactivated", "bool", "user_information", boolean()),
]  # fmt: skip

TODAY_CATALOG: dict[str, list[PropertySpec]] = {
    "carts": CARTS,
    "orders": ORDERS,
    "invoices": INVOICES,
    "commerce_payments": COMMERCE_PAYMENTS,
    "subscriptions": SUBSCRIPTIONS,
    "discounts": DISCOUNTS,
    "fees": FEES,
    "taxes": TAXES,
    "goal_targets": GOAL_TARGETS,
    "users": USERS,
}
