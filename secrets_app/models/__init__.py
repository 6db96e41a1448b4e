from .audit import AuditChainHead, AuditEvent
from .identity import ApiClient, RefreshToken, Role, Token, User
from .jobs import JobRun
from .kv import AuditChain, Secret, SecretVersion, WrappedSecret
from .policies import Policy
from .settings import SystemSetting

__all__ = [
    "AuditChainHead",
    "ApiClient",
    "AuditChain",
    "AuditEvent",
    "JobRun",
    "Policy",
    "RefreshToken",
    "Role",
    "Secret",
    "SecretVersion",
    "SystemSetting",
    "Token",
    "User",
    "WrappedSecret",
]
