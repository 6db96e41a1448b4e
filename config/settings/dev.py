"""`make run`: base settings with DEBUG on, every outside client pointed at the demo fakes on
127.0.0.1 (fakes/demo.py) unless the environment names a real service."""

from .base import *  # noqa: F403
from .env import env_bool, env_list, env_str

DEBUG = env_bool("DEBUG", True)
VK_API_URL = env_str("VK_API_URL", "http://127.0.0.1:8702/method")
VK_API_TOKENS = env_list("VK_API_TOKENS", "demo-vk-token")
TELEGRAM_WEB_URL = env_str("TELEGRAM_WEB_URL", "http://127.0.0.1:8703")
GITHUB_URL = env_str("GITHUB_URL", "http://127.0.0.1:8704")
SOCIALACCOUNT_PROVIDERS["github"]["GITHUB_URL"] = GITHUB_URL  # noqa: F405
