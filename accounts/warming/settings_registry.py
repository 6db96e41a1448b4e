"""Settings of the warming engine (and the platform drivers it uses)."""

from accounts.drivers.routing import register_settings as register_driver_settings
from core.registry import register

register_driver_settings()

register(
    "warming.failure_threshold",
    "int",
    5,
    "Consecutive failed actions after which a warming task fails.",
    min_value=1,
)
register(
    "warming.action_lease_seconds",
    "int",
    300,
    "A claimed action still running after this long is marked 'unknown outcome' "
    "(its worker was lost); it is never re-run.",
    min_value=10,
)
register(
    "warming.queue_lease_seconds",
    "int",
    600,
    "A queued action no worker claimed within this long is queued again.",
    min_value=10,
)
register(
    "warming.plan_batch",
    "int",
    250,
    "Most tasks whose next day one scheduler tick plans; the rest wait for the next tick. "
    "Days last 24 h, so a mass rollover spread over a few minutes costs nothing, while a "
    "tick stays well under its one-minute period.",
    min_value=1,
)
register(
    "warming.enqueue_limit",
    "int",
    20000,
    "Most due actions one scheduler tick hands to the workers.",
    min_value=1,
)
register(
    "warming.dispatch_batch",
    "int",
    50,
    "Action ids per Celery message.",
    min_value=1,
    max_value=1000,
)
register(
    "warming.fan_out_above",
    "int",
    2000,
    "A tick queuing more action ids than this sends them in one fan-out message that a "
    "worker splits into batches (publishing costs a few ms a message).",
    min_value=1,
)
register(
    "warming.events_maxlen",
    "int",
    10000,
    "Approximate number of recent events kept for Last-Event-ID resumption.",
    min_value=100,
)
register(
    "warming.sse_heartbeat_seconds",
    "int",
    15,
    "Seconds between heartbeat comments on an idle event stream.",
    min_value=1,
    max_value=60,
)
register(
    "warming.sse_max_seconds",
    "int",
    3600,
    "Longest an event stream stays open (clients reconnect with Last-Event-ID).",
    min_value=1,
    max_value=86400,
)
register(
    "warming.sse_max_per_user",
    "int",
    2,
    "Event streams one user may hold open at once, across all web processes (more: 429).",
    min_value=1,
    max_value=100,
)
register(
    "warming.sse_max_streams",
    "int",
    100,
    "Event streams open at once across all web processes (more: 429). Each web process also "
    "serves at most LONG_REQUESTS_PER_PROCESS, so that streams never take all its threads.",
    min_value=1,
)
