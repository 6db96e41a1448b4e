"""`make run`: base settings with DEBUG on, every outside client pointed at the demo fakes on
127.0.0.1 (fakes/demo.py, ports DEMO_PORT_BASE + 1..5, default 8701-8705) unless the
environment names a real service."""

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_str

DEBUG = env_bool("DEBUG", True)
DEMO_PORT_BASE = env_int("DEMO_PORT_BASE", 8700)  # the same default as fakes/demo.py
EXTERNAL_SOCKS_API_URL = env_str(
    "EXTERNAL_SOCKS_API_URL", f"http://127.0.0.1:{DEMO_PORT_BASE + 1}/api/v1/authorized"
)
VK_API_URL = env_str("VK_API_URL", f"http://127.0.0.1:{DEMO_PORT_BASE + 2}/method")
VK_API_TOKENS = env_list("VK_API_TOKENS", "demo-vk-token")
TELEGRAM_WEB_URL = env_str("TELEGRAM_WEB_URL", f"http://127.0.0.1:{DEMO_PORT_BASE + 3}")
GITHUB_URL = env_str("GITHUB_URL", f"http://127.0.0.1:{DEMO_PORT_BASE + 4}")
SOCIALACCOUNT_PROVIDERS["github"]["GITHUB_URL"] = GITHUB_URL  # noqa: F405
# The fleet's demo proxies (accounts/demo.py) log in at the demo SOCKS5 fake.
DEMO_SOCKS5_PORT = DEMO_PORT_BASE + 5
# the demo's fake Bot API (fakes/botapi.py) and the shop bot polling it
TELEGRAM_BOT_API_URL = env_str("TELEGRAM_BOT_API_URL", f"http://127.0.0.1:{DEMO_PORT_BASE + 6}")
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "123456:demo-bot-token")
TELEGRAM_BOT_USERNAME = env_str("TELEGRAM_BOT_USERNAME", "demo_proxy_shop_bot")
TELEGRAM_WEBHOOK_SECRET = env_str("TELEGRAM_WEBHOOK_SECRET", "demo-webhook-secret")
