from .audit import AuditEvent
from .identity import ApiClient, RefreshToken, Role, Token, User
from .jobs import JobRun
from .settings import SystemSetting

__all__ = [
    "ApiClient",
    "AuditEvent",
    "JobRun",
    "RefreshToken",
    "Role",
    "SystemSetting",
    "Token",
    "User",
]
