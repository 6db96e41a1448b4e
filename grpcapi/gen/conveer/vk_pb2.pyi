from grpcapi.gen.conveer import accounts_pb2 as _accounts_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ActionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_TYPE_UNSPECIFIED: _ClassVar[ActionType]
    ACTION_TYPE_VIEW_PROFILE: _ClassVar[ActionType]
    ACTION_TYPE_LIKE_POST: _ClassVar[ActionType]
    ACTION_TYPE_SUBSCRIBE: _ClassVar[ActionType]
    ACTION_TYPE_COMMENT: _ClassVar[ActionType]
    ACTION_TYPE_SEND_MESSAGE: _ClassVar[ActionType]
    ACTION_TYPE_REPOST: _ClassVar[ActionType]
    ACTION_TYPE_VIEW_STORIES: _ClassVar[ActionType]
    ACTION_TYPE_ADD_FRIEND: _ClassVar[ActionType]
ACTION_TYPE_UNSPECIFIED: ActionType
ACTION_TYPE_VIEW_PROFILE: ActionType
ACTION_TYPE_LIKE_POST: ActionType
ACTION_TYPE_SUBSCRIBE: ActionType
ACTION_TYPE_COMMENT: ActionType
ACTION_TYPE_SEND_MESSAGE: ActionType
ACTION_TYPE_REPOST: ActionType
ACTION_TYPE_VIEW_STORIES: ActionType
ACTION_TYPE_ADD_FRIEND: ActionType

class RegisterRequest(_message.Message):
    __slots__ = ("login", "password", "phone", "params")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LOGIN_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    login: str
    password: str
    phone: str
    params: _containers.ScalarMap[str, str]
    def __init__(self, login: _Optional[str] = ..., password: _Optional[str] = ..., phone: _Optional[str] = ..., params: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RegisterResponse(_message.Message):
    __slots__ = ("success", "account_id", "external_id", "error")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    success: bool
    account_id: str
    external_id: str
    error: str
    def __init__(self, success: _Optional[bool] = ..., account_id: _Optional[str] = ..., external_id: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class ExecuteActionRequest(_message.Message):
    __slots__ = ("account_id", "action_type", "params")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    action_type: ActionType
    params: _containers.ScalarMap[str, str]
    def __init__(self, account_id: _Optional[str] = ..., action_type: _Optional[_Union[ActionType, str]] = ..., params: _Optional[_Mapping[str, str]] = ...) -> None: ...

class ExecuteActionResponse(_message.Message):
    __slots__ = ("success", "error", "result")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    success: bool
    error: str
    result: ActionResult
    def __init__(self, success: _Optional[bool] = ..., error: _Optional[str] = ..., result: _Optional[_Union[ActionResult, _Mapping]] = ...) -> None: ...

class ActionResult(_message.Message):
    __slots__ = ("action_type", "duration_ms", "data")
    class DataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    action_type: str
    duration_ms: int
    data: _containers.ScalarMap[str, str]
    def __init__(self, action_type: _Optional[str] = ..., duration_ms: _Optional[int] = ..., data: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CheckAccountStatusRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class CheckAccountStatusResponse(_message.Message):
    __slots__ = ("account_id", "platform_status", "detail", "status", "previous_status")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_STATUS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    platform_status: str
    detail: str
    status: _accounts_pb2.AccountStatus
    previous_status: str
    def __init__(self, account_id: _Optional[str] = ..., platform_status: _Optional[str] = ..., detail: _Optional[str] = ..., status: _Optional[_Union[_accounts_pb2.AccountStatus, str]] = ..., previous_status: _Optional[str] = ...) -> None: ...
