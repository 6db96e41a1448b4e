"""The viewstats settings (admins change them at run time; defaults come from the environment)."""

from django.conf import settings

from core.registry import register


def _token_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise ValueError("expected a JSON list of non-empty token strings")


register("viewstats.vk_api_url", "str", lambda: settings.VK_API_URL, "VK API base URL.")
register(
    "viewstats.vk_tokens",
    "json",
    lambda: list(settings.VK_API_TOKENS),
    "VK access tokens (JSON list), used in turn.",
    secret=True,
    validator=_token_list,
)
register("viewstats.vk_api_version", "str", lambda: settings.VK_API_VERSION, "VK API version.")
register(
    "viewstats.vk_rps",
    "decimal",
    lambda: settings.VK_API_RPS,
    "VK requests per second per token, shared by every worker; 0 = no limit.",
    min_value=0,
)
register("viewstats.vk_timeout", "decimal", 10, "VK request timeout (seconds).", min_value=0)
register(
    "viewstats.vk_batch_size",
    "int",
    100,
    "Posts per wall.getById call.",
    min_value=1,
    max_value=100,
)
register(
    "viewstats.vk_pause",
    "duration",
    600,
    "How long a token rests after VK error 29.",
)
register(
    "viewstats.vk_invalid_token_pause",
    "duration",
    900,
    "How long a token VK refused (error 5) is skipped before it is tried again.",
)
register("viewstats.telegram_url", "str", lambda: settings.TELEGRAM_WEB_URL, "t.me base URL.")
register(
    "viewstats.telegram_rps",
    "decimal",
    5,
    "t.me widget requests per second, shared by every worker; 0 = no limit.",
    min_value=0,
)
register("viewstats.telegram_timeout", "decimal", 10, "t.me timeout (seconds).", min_value=0)
register(
    "viewstats.telegram_batch_size",
    "int",
    20,
    "Telegram posts per background job.",
    min_value=1,
    max_value=100,
)
register(
    "viewstats.max_links_per_request",
    "int",
    1000,
    "Most links one request may submit.",
    min_value=1,
)
register(
    "viewstats.max_attempts",
    "int",
    5,
    "Collection attempts (rate limits, network errors) before a task fails.",
    min_value=1,
)
register(
    "viewstats.retry_backoff",
    "decimal",
    2,
    "First retry delay in seconds; doubles with each attempt.",
    min_value=0,
)
register(
    "viewstats.retry_backoff_max", "decimal", 300, "Longest retry delay (seconds).", min_value=0
)
register(
    "viewstats.recollect_interval",
    "duration",
    0,
    "Re-collect every finished task this often (seconds, 0 = never) unless the task has its own.",
)
register(
    "viewstats.min_recollect_interval",
    "duration",
    60,
    "Shortest re-collection interval a user may ask for.",
)
register(
    "viewstats.stale_after",
    "duration",
    # a little above the task hard time limit: no live collection lasts longer
    lambda: settings.CELERY_TASK_TIME_LIMIT + 60,
    "A task 'in progress' (or queued) this long without change is returned to the queue (a "
    "task whose worker died returns sooner: its claim's heartbeat expires within JOB_LOCK_TTL).",
)
