"""The spine's models. They were born in `secrets_app` and keep their tables' names
(`secrets_app_auditevent`, ...): moving them was a change of Django's bookkeeping only, no data
migrated (core migration 0001, secrets_app migration 0010)."""

from .audit import AuditChain, AuditChainHead, AuditEvent
from .jobs import JobRun
from .settings import SystemSetting

__all__ = ["AuditChain", "AuditChainHead", "AuditEvent", "JobRun", "SystemSetting"]
