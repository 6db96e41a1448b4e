from .fleet import Account, AccountStatus, Platform, Proxy
from .history import AccountStatusChange, ProxyCheck
from .sms import SMS_FINAL_STATUSES, SmsActivation, SmsStatus

__all__ = [
    "SMS_FINAL_STATUSES",
    "Account",
    "AccountStatus",
    "AccountStatusChange",
    "Platform",
    "Proxy",
    "ProxyCheck",
    "SmsActivation",
    "SmsStatus",
]
