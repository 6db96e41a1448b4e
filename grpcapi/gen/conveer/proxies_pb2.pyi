import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AllocateProxyRequest(_message.Message):
    __slots__ = ("account_id", "platform", "preferred_country", "preferred_provider")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    PREFERRED_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    platform: str
    preferred_country: str
    preferred_provider: str
    def __init__(self, account_id: _Optional[str] = ..., platform: _Optional[str] = ..., preferred_country: _Optional[str] = ..., preferred_provider: _Optional[str] = ...) -> None: ...

class Proxy(_message.Message):
    __slots__ = ("id", "host", "port", "protocol", "username", "password", "country", "provider", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    host: str
    port: int
    protocol: str
    username: str
    password: str
    country: str
    provider: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., host: _Optional[str] = ..., port: _Optional[int] = ..., protocol: _Optional[str] = ..., username: _Optional[str] = ..., password: _Optional[str] = ..., country: _Optional[str] = ..., provider: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReleaseProxyRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ReleaseProxyResponse(_message.Message):
    __slots__ = ("success", "released_proxy_id")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    RELEASED_PROXY_ID_FIELD_NUMBER: _ClassVar[int]
    success: bool
    released_proxy_id: str
    def __init__(self, success: _Optional[bool] = ..., released_proxy_id: _Optional[str] = ...) -> None: ...

class GetProxyForAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class CheckHealthRequest(_message.Message):
    __slots__ = ("proxy_id",)
    PROXY_ID_FIELD_NUMBER: _ClassVar[int]
    proxy_id: str
    def __init__(self, proxy_id: _Optional[str] = ...) -> None: ...

class ProxyHealth(_message.Message):
    __slots__ = ("proxy_id", "healthy", "health", "latency_ms", "error", "consecutive_failures", "checked_at", "released_accounts")
    PROXY_ID_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    RELEASED_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    proxy_id: str
    healthy: bool
    health: str
    latency_ms: int
    error: str
    consecutive_failures: int
    checked_at: _timestamp_pb2.Timestamp
    released_accounts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, proxy_id: _Optional[str] = ..., healthy: _Optional[bool] = ..., health: _Optional[str] = ..., latency_ms: _Optional[int] = ..., error: _Optional[str] = ..., consecutive_failures: _Optional[int] = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., released_accounts: _Optional[_Iterable[str]] = ...) -> None: ...

class ForceRotateRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...
