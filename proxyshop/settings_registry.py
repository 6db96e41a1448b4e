"""The proxy shop's run-time settings; defaults come from the EXTERNAL_SOCKS_* environment."""

from decimal import Decimal

from django.conf import settings

from core.registry import register

register(
    "proxyshop.api_url",
    "str",
    lambda: settings.EXTERNAL_SOCKS_API_URL,
    "Base URL of the SOCKS5 provider's API (ends in /api/v1/authorized).",
)
register(
    "proxyshop.api_token",
    "str",
    lambda: settings.EXTERNAL_SOCKS_API_TOKEN,
    "The shop's API token at the provider (sent as the raw Authorization header).",
    secret=True,
)
register(
    "proxyshop.timeout",
    "decimal",
    lambda: Decimal(settings.EXTERNAL_SOCKS_API_TIMEOUT),
    "Seconds to wait for one provider call.",
    min_value=Decimal("0.05"),
)
register(
    "proxyshop.retries",
    "int",
    2,
    "Retries of idempotent provider calls after a timeout or 5xx (never for buy/refund).",
    min_value=0,
    max_value=10,
)
register(
    "proxyshop.retry_backoff",
    "decimal",
    Decimal("0.5"),
    "Seconds before the first retry; doubles with each further retry.",
    min_value=Decimal("0"),
)
register(
    "proxyshop.price",
    "decimal",
    lambda: settings.EXTERNAL_SOCKS_PRICE,
    "Price (USD) of any proxy in the shop.",
    min_value=Decimal("0.01"),
)
register(
    "proxyshop.sync_interval_minutes",
    "int",
    lambda: settings.EXTERNAL_SOCKS_SYNC_INTERVAL_MINUTES,
    "Minutes between automatic syncs (the beat schedule row holds the live value).",
    min_value=1,
)
register(
    "proxyshop.sync_page_size",
    "int",
    500,
    "Proxies asked of the provider per page during a sync.",
    min_value=1,
    max_value=5000,
)
register(
    "proxyshop.refund_window",
    "duration",
    3600,
    "How long after a purchase a refund may be asked for.",
    min_value=0,
)
register(
    "proxyshop.refund_check_after",
    "duration",
    60,
    "How long a refund the provider did not answer waits before the periodic check asks the "
    "provider about it (a request still being processed there is not judged too early).",
    min_value=0,
)
register(
    "proxyshop.refund_check_batch",
    "int",
    100,
    "Most unanswered refunds one run of the periodic check looks at.",
    min_value=1,
    max_value=10000,
)
register(
    "proxyshop.page_size_default",
    "int",
    50,
    "Catalogue page size when the request names none.",
    min_value=1,
)
register(
    "proxyshop.page_size_max",
    "int",
    200,
    "Largest catalogue page size a request may ask for.",
    min_value=1,
    max_value=1000,
)
register(
    "proxyshop.batch_max",
    "int",
    50,
    "Most proxies one batch purchase may buy.",
    min_value=1,
    max_value=500,
)
register(
    "proxyshop.catalog_cache_seconds",
    "int",
    300,
    "Seconds a catalogue page stays cached (sync and sales invalidate it at once).",
    min_value=0,
)
register(
    "proxyshop.topup_max",
    "decimal",
    Decimal("100000"),
    "Largest single top-up an admin may make.",
    min_value=Decimal("0.01"),
)
