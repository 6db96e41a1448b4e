import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SMSStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SMS_STATUS_UNSPECIFIED: _ClassVar[SMSStatus]
    SMS_STATUS_PENDING: _ClassVar[SMSStatus]
    SMS_STATUS_WAITING_CODE: _ClassVar[SMSStatus]
    SMS_STATUS_CODE_RECEIVED: _ClassVar[SMSStatus]
    SMS_STATUS_COMPLETED: _ClassVar[SMSStatus]
    SMS_STATUS_CANCELLED: _ClassVar[SMSStatus]
    SMS_STATUS_FAILED: _ClassVar[SMSStatus]
SMS_STATUS_UNSPECIFIED: SMSStatus
SMS_STATUS_PENDING: SMSStatus
SMS_STATUS_WAITING_CODE: SMSStatus
SMS_STATUS_CODE_RECEIVED: SMSStatus
SMS_STATUS_COMPLETED: SMSStatus
SMS_STATUS_CANCELLED: SMSStatus
SMS_STATUS_FAILED: SMSStatus

class GetNumberRequest(_message.Message):
    __slots__ = ("service", "country", "operator")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    service: str
    country: str
    operator: str
    def __init__(self, service: _Optional[str] = ..., country: _Optional[str] = ..., operator: _Optional[str] = ...) -> None: ...

class SMSActivation(_message.Message):
    __slots__ = ("id", "phone", "service", "country", "status", "expires_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    phone: str
    service: str
    country: str
    status: SMSStatus
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., phone: _Optional[str] = ..., service: _Optional[str] = ..., country: _Optional[str] = ..., status: _Optional[_Union[SMSStatus, str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCodeRequest(_message.Message):
    __slots__ = ("activation_id", "timeout_seconds")
    ACTIVATION_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    activation_id: str
    timeout_seconds: int
    def __init__(self, activation_id: _Optional[str] = ..., timeout_seconds: _Optional[int] = ...) -> None: ...

class GetCodeResponse(_message.Message):
    __slots__ = ("code", "success", "error")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    code: str
    success: bool
    error: str
    def __init__(self, code: _Optional[str] = ..., success: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class CancelActivationRequest(_message.Message):
    __slots__ = ("activation_id",)
    ACTIVATION_ID_FIELD_NUMBER: _ClassVar[int]
    activation_id: str
    def __init__(self, activation_id: _Optional[str] = ...) -> None: ...

class CancelActivationResponse(_message.Message):
    __slots__ = ("success", "status")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    success: bool
    status: SMSStatus
    def __init__(self, success: _Optional[bool] = ..., status: _Optional[_Union[SMSStatus, str]] = ...) -> None: ...

class GetBalanceRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetBalanceResponse(_message.Message):
    __slots__ = ("provider", "balance")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    provider: str
    balance: str
    def __init__(self, provider: _Optional[str] = ..., balance: _Optional[str] = ...) -> None: ...
