from .identity import ApiClient, RefreshToken, Role, Token, User
from .kv import Secret, SecretVersion, WrappedSecret
from .policies import Policy

__all__ = [
    "ApiClient",
    "Policy",
    "RefreshToken",
    "Role",
    "Secret",
    "SecretVersion",
    "Token",
    "User",
    "WrappedSecret",
]
