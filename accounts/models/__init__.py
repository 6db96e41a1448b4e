from .fleet import Account, AccountStatus, Platform, Proxy

__all__ = ["Account", "AccountStatus", "Platform", "Proxy"]
