"""Admin screens of the account fleet (the warming admin lives in accounts/warming/admin.py)."""

from . import fleet, proxies, sms  # noqa: F401
