"""Demo data for `make run`: a demo analyst with a few VK and Telegram tasks (idempotent)."""

from __future__ import annotations

from secrets_app.models import Role, User
from viewstats.services.task_lifecycle import tasks_submit

from .models import ViewTask

DEMO_USER = "analyst"
VK_LINKS = [
    "https://vk.com/wall-1_1",
    "https://vk.com/club1?w=wall-1_2",
    "m.vk.com/wall-1_13",
    "https://vk.com/wall-1_404",
]
TELEGRAM_LINKS = ["https://t.me/durov/1", "https://t.me/durov/42", "t.me/closedchannel/1"]


def seed(stdout) -> None:
    user = User.objects.filter(username=DEMO_USER).first()
    if user is None:
        user = User.objects.create_user(
            username=DEMO_USER, role=Role.USER, email="analyst@example.test"
        )
        user.set_unusable_password()
        user.save()
    if ViewTask.objects.filter(user=user).exists():
        stdout.write("viewstats: demo tasks exist")
        return
    tasks_submit(user=user, platform="vk", links=VK_LINKS, recollect_interval=3600)
    tasks_submit(user=user, platform="telegram", links=TELEGRAM_LINKS)
    stdout.write(
        f"viewstats: {len(VK_LINKS) + len(TELEGRAM_LINKS)} demo tasks for {DEMO_USER!r}"
        " (collected by the worker against the demo fakes)"
    )
