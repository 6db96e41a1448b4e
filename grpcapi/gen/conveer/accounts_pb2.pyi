import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_STATUS_UNSPECIFIED: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_CREATING: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_ACTIVE: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_WARMING: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_BANNED: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_SUSPENDED: _ClassVar[AccountStatus]
    ACCOUNT_STATUS_DELETED: _ClassVar[AccountStatus]
ACCOUNT_STATUS_UNSPECIFIED: AccountStatus
ACCOUNT_STATUS_CREATING: AccountStatus
ACCOUNT_STATUS_ACTIVE: AccountStatus
ACCOUNT_STATUS_WARMING: AccountStatus
ACCOUNT_STATUS_BANNED: AccountStatus
ACCOUNT_STATUS_SUSPENDED: AccountStatus
ACCOUNT_STATUS_DELETED: AccountStatus

class GetCredentialsRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class GetCredentialsResponse(_message.Message):
    __slots__ = ("login", "password", "phone", "additional")
    class AdditionalEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_FIELD_NUMBER: _ClassVar[int]
    login: str
    password: str
    phone: str
    additional: _containers.ScalarMap[str, str]
    def __init__(self, login: _Optional[str] = ..., password: _Optional[str] = ..., phone: _Optional[str] = ..., additional: _Optional[_Mapping[str, str]] = ...) -> None: ...

class UpdateStatusRequest(_message.Message):
    __slots__ = ("account_id", "status", "reason")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    status: AccountStatus
    reason: str
    def __init__(self, account_id: _Optional[str] = ..., status: _Optional[_Union[AccountStatus, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class UpdateStatusResponse(_message.Message):
    __slots__ = ("success", "previous_status")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    success: bool
    previous_status: str
    def __init__(self, success: _Optional[bool] = ..., previous_status: _Optional[str] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("id", "platform", "login", "status", "tags", "proxy_id", "has_proxy", "proxy_assigned_at", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    PROXY_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_PROXY_FIELD_NUMBER: _ClassVar[int]
    PROXY_ASSIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    platform: str
    login: str
    status: AccountStatus
    tags: _containers.RepeatedScalarFieldContainer[str]
    proxy_id: str
    has_proxy: bool
    proxy_assigned_at: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., platform: _Optional[str] = ..., login: _Optional[str] = ..., status: _Optional[_Union[AccountStatus, str]] = ..., tags: _Optional[_Iterable[str]] = ..., proxy_id: _Optional[str] = ..., has_proxy: _Optional[bool] = ..., proxy_assigned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ("platform", "status", "tag", "has_proxy", "query", "page", "page_size")
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    HAS_PROXY_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    platform: str
    status: AccountStatus
    tag: str
    has_proxy: bool
    query: str
    page: int
    page_size: int
    def __init__(self, platform: _Optional[str] = ..., status: _Optional[_Union[AccountStatus, str]] = ..., tag: _Optional[str] = ..., has_proxy: _Optional[bool] = ..., query: _Optional[str] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ("accounts", "total", "page", "page_size")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    total: int
    page: int
    page_size: int
    def __init__(self, accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ..., total: _Optional[int] = ..., page: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...
