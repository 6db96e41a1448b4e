"""Writes of the shop bot. The bot's handlers, the webhook, the pages, the API, the admin and the
tasks all call these."""

from .alerts import alert_deliver, alert_test, refund_alert_raise, sync_alert_evaluate
from .linking import link_code_issue, telegram_link, telegram_unlink
from .updates import bot_error_record, update_claim, update_finish, updates_purge

__all__ = [
    "alert_deliver",
    "alert_test",
    "bot_error_record",
    "link_code_issue",
    "refund_alert_raise",
    "sync_alert_evaluate",
    "telegram_link",
    "telegram_unlink",
    "update_claim",
    "update_finish",
    "updates_purge",
]
