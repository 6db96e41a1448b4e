"""The shop bot's run-time settings; defaults come from the TELEGRAM_* environment."""

from decimal import Decimal

from django.conf import settings

from core.registry import register


def _chat_ids(value) -> None:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValueError("a list of Telegram chat ids (integers), e.g. [-1001234567890]")
    if len(value) > 50:
        raise ValueError("at most 50 chats")


def _alert_chats_default() -> list[int]:
    return [int(v) for v in settings.TELEGRAM_ALERT_CHATS if v.lstrip("-").isdigit()]


register(
    "telegram.api_url",
    "str",
    lambda: settings.TELEGRAM_BOT_API_URL,
    "Bot API server base URL, without /bot<token> (TELEGRAM_BOT_API_URL).",
)
register(
    "telegram.bot_token",
    "str",
    lambda: settings.TELEGRAM_BOT_TOKEN,
    "The bot's token from @BotFather (TELEGRAM_BOT_TOKEN).",
    secret=True,
)
register(
    "telegram.bot_username",
    "str",
    lambda: settings.TELEGRAM_BOT_USERNAME,
    "The bot's @username without @, for the t.me link on the Connect Telegram page.",
)
register(
    "telegram.mode",
    "str",
    lambda: settings.TELEGRAM_BOT_MODE,
    "How updates arrive: 'polling' (manage.py telegram_bot asks getUpdates) or 'webhook' "
    "(Telegram POSTs to /telegram/webhook; manage.py telegram_bot registers it).",
    choices=("polling", "webhook"),
)
register(
    "telegram.webhook_url",
    "str",
    lambda: settings.TELEGRAM_WEBHOOK_URL,
    "Public HTTPS URL of /telegram/webhook, registered with setWebhook in webhook mode.",
)
register(
    "telegram.webhook_secret",
    "str",
    lambda: settings.TELEGRAM_WEBHOOK_SECRET,
    "Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; empty refuses every webhook.",
    secret=True,
)
register(
    "telegram.timeout",
    "decimal",
    Decimal("10"),
    "Seconds to wait for one Bot API call (getUpdates adds its long-polling timeout).",
    min_value=Decimal("0.5"),
)
register(
    "telegram.poll_timeout",
    "int",
    25,
    "Long-polling timeout of getUpdates, seconds.",
    min_value=0,
    max_value=50,
)
register(
    "telegram.update_lease",
    "duration",
    120,
    "An update claimed but not finished for this long (its handler died) is handled again "
    "when Telegram redelivers it.",
    min_value=5,
)
register(
    "telegram.keep_updates_days",
    "int",
    7,
    "Days handled update ids and bot errors are kept (Telegram redelivers for at most a day).",
    min_value=2,
)
register(
    "telegram.rate_limit",
    "int",
    30,
    "Updates one chat may send per telegram.rate_window; more are dropped (one warning).",
    min_value=1,
)
register(
    "telegram.rate_window",
    "duration",
    60,
    "Window of the per-chat rate limit.",
    min_value=1,
)
register(
    "telegram.link_code_ttl",
    "duration",
    600,
    "How long a link code from the shop pages stays valid.",
    min_value=60,
    max_value=86400,
)
register(
    "telegram.confirm_ttl",
    "duration",
    600,
    "How long a purchase confirmation button stays valid.",
    min_value=30,
)
register(
    "telegram.catalog_page_size",
    "int",
    8,
    "Proxies per catalogue page in the bot.",
    min_value=1,
    max_value=20,
)
register(
    "telegram.alert_chats",
    "json",
    _alert_chats_default,
    "Operator chats (ids) that get the shop's alerts: syncs failing/recovered, refunds "
    "needing an operator (TELEGRAM_ALERT_CHATS).",
    validator=_chat_ids,
)
register(
    "telegram.alert_language",
    "str",
    "en",
    "Language of operator alerts.",
    choices=("en", "ru"),
)
register(
    "telegram.sync_failure_threshold",
    "int",
    3,
    "Failed provider syncs in a row before operators are alerted (once, until one succeeds).",
    min_value=1,
    max_value=100,
)
register(
    "telegram.alert_max_retries",
    "int",
    8,
    "Retries of one alert message after Bot API errors (429 waits retry_after).",
    min_value=0,
    max_value=50,
)
