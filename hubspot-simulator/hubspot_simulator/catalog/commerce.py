"""Commerce types: products (optionally "wide"), line items and quotes."""

from __future__ import annotations

from ..util import iso_date
from .base import (
    GenContext,
    PropertySpec,
    boolean,
    common_keys,
    date_in_years,
    datetime_after_created,
    decimal,
    enum,
    integer,
    opts,
    paragraphs,
    pick,
    prop,
    text,
)
from .pools import COMPANIES

PRODUCT_TYPES = opts("inventory", "non_inventory", "service")
BILLING = opts("monthly", "quarterly", "annually")
QUOTE_STATUS = opts("DRAFT", "APPROVAL_NOT_NEEDED", "PENDING_APPROVAL", "APPROVED", "REJECTED")
CURRENCIES = opts("EUR", "USD", "GBP", "JPY")


def _amount(h: int, c: GenContext) -> str | None:
    price, qty = c.raw("price"), c.raw("quantity")
    if price is None or qty is None:
        return None
    cents = round(float(price) * 100) * int(qty)
    whole, frac = divmod(cents, 100)
    return f"{whole}.{frac:02d}".rstrip("0").rstrip(".")


PRODUCTS: list[PropertySpec] = [
    *common_keys("productinformation", "createdate", "hs_lastmodifieddate"),
    prop("name", "Name", "string", "productinformation", text(1, 4)),
    prop("price", "Unit price", "number", "productinformation", decimal(1, 5000)),
    prop(
        "hs_sku",
        "SKU",
        "string",
        "productinformation",
        lambda h, c: f"SKU-{c.record_id}-{h % 1000:03d}",
        has_unique_value=True,
    ),
    prop(
        "description",
        "Description",
        "string",
        "productinformation",
        paragraphs(0, 5, null=200),
        field_type="textarea",
    ),
    prop(
        "hs_product_type",
        "Product type",
        "enumeration",
        "productinformation",
        enum(PRODUCT_TYPES),
        PRODUCT_TYPES,
    ),
    prop(
        "hs_recurring_billing_period",
        "Term",
        "enumeration",
        "productinformation",
        enum(BILLING, null=400),
        BILLING,
    ),
    prop(
        "hs_cost_of_goods_sold", "Unit cost", "number", "productinformation", decimal(0, 900, 100)
    ),
    prop("hs_folder_id", "Folder", "number", "productinformation", integer(1, 9, null=500)),
    prop("tax_exempt", "Tax exempt", "bool", "productinformation", boolean(null=100)),
]

LINE_ITEMS: list[PropertySpec] = [
    *common_keys("lineiteminformation", "createdate", "hs_lastmodifieddate"),
    prop("name", "Name", "string", "lineiteminformation", text(1, 4)),
    prop("quantity", "Quantity", "number", "lineiteminformation", integer(1, 50)),
    prop("price", "Unit price", "number", "lineiteminformation", decimal(1, 5000)),
    prop(
        "amount",
        "Net price",
        "number",
        "lineiteminformation",
        _amount,
        calculated=True,
        extra={"calculationFormula": "price * quantity"},
    ),
    prop(
        "hs_product_id",
        "Product ID",
        "number",
        "lineiteminformation",
        integer(12_000_001, 12_000_020, null=100),
    ),
    prop(
        "hs_discount_percentage",
        "Discount (%)",
        "number",
        "lineiteminformation",
        decimal(0, 50, null=600),
    ),
    prop(
        "hs_recurring_billing_start_date",
        "Billing start date",
        "date",
        "lineiteminformation",
        date_in_years(2023, 3, null=500),
    ),
    prop(
        "hs_line_item_currency_code",
        "Currency",
        "enumeration",
        "lineiteminformation",
        enum(CURRENCIES),
        CURRENCIES,
    ),
]

QUOTES: list[PropertySpec] = [
    *common_keys("quoteinformation", "hs_createdate", "hs_lastmodifieddate"),
    prop("hs_title", "Quote name", "string", "quoteinformation", text(2, 6)),
    prop(
        "hs_expiration_date",
        "Expiration date",
        "datetime",
        "quoteinformation",
        datetime_after_created(90),
    ),
    prop(
        "hs_status", "Status", "enumeration", "quoteinformation", enum(QUOTE_STATUS), QUOTE_STATUS
    ),
    prop(
        "hs_currency", "Currency", "enumeration", "quoteinformation", enum(CURRENCIES), CURRENCIES
    ),
    prop(
        "hs_quote_amount",
        "Amount",
        "number",
        "quoteinformation",
        decimal(100, 90_000),
        calculated=True,
    ),
    prop(
        "hs_sender_company_name",
        "Sender company",
        "string",
        "quoteinformation",
        pick(COMPANIES, null=100),
    ),
    prop(
        "hs_terms",
        "Terms",
        "string",
        "quoteinformation",
        paragraphs(1, 8, null=300),
        field_type="textarea",
    ),
    prop("hs_esign_enabled", "E-signature", "bool", "quoteinformation", boolean()),
]


# ---------------------------------------------------------------- the wide type

_WIDE_ENUM = opts("alpha", "beta", "gamma", "delta")
_WIDE_START = 1_577_836_800_000  # 2020-01-01


def _wide_string(h: int, _c: GenContext) -> str:
    return f"wide value {h % 10**12:012d} {(h >> 40) & 0xFFFFFF:06x}"  # 30 characters


def _wide_number(h: int, _c: GenContext) -> str:
    return str(h % 1_000_000)


def _wide_date(h: int, _c: GenContext) -> str:
    return iso_date(_WIDE_START + h % (5 * 31_556_952_000))


def _wide_bool(h: int, _c: GenContext) -> str:
    return "true" if h & 1 else "false"


def _wide_enum(h: int, _c: GenContext) -> str:
    return _WIDE_ENUM[h % 4][1]


def wide_properties(n: int) -> list[PropertySpec]:
    """``wide_prop_0001`` … ``wide_prop_{n}``: custom properties with a value on every record
    (60 % strings of 30 characters, 10 % each numbers, dates, bools and enumerations)."""
    out = []
    for i in range(1, n + 1):
        kind = i % 10
        name, label = f"wide_prop_{i:04d}", f"Wide property {i}"
        if kind < 6:
            p = prop(name, label, "string", "wide", _wide_string, hubspot_defined=False)
        elif kind == 6:
            p = prop(name, label, "number", "wide", _wide_number, hubspot_defined=False)
        elif kind == 7:
            p = prop(name, label, "date", "wide", _wide_date, hubspot_defined=False)
        elif kind == 8:
            p = prop(name, label, "bool", "wide", _wide_bool, hubspot_defined=False)
        else:
            p = prop(
                name, label, "enumeration", "wide", _wide_enum, _WIDE_ENUM, hubspot_defined=False
            )
        out.append(p)
    return out
