"""conveer.AccountService over the fleet's account services (REST: accounts/api/accounts.py)."""

from __future__ import annotations

from accounts.models import Account
from accounts.selectors import account_get, account_list
from accounts.services.accounts import account_credentials_reveal, account_status_change
from core.api.pagination import PageNumberPagination
from core.context import current_actor
from core.errors import InvalidArgument
from grpcapi.convert import enum_name, enum_number, enum_word, id_text, require_id, ts
from grpcapi.gen.conveer import accounts_pb2 as pb
from grpcapi.gen.conveer import accounts_pb2_grpc

STATUS = "ACCOUNT_STATUS_"

# The power of the matching REST view (None: any authenticated caller; the service decides).
POWERS: dict[str, str | None] = {
    "GetCredentials": None,
    "UpdateStatus": "fleet.write",
    "GetAccount": "fleet.read",
    "ListAccounts": "fleet.read",
}


def account_message(account: Account) -> pb.Account:
    return pb.Account(
        id=str(account.pk),
        platform=account.platform,
        login=account.login,
        status=enum_number(pb.AccountStatus, STATUS, account.status),  # type: ignore[arg-type]
        tags=list(account.tags or []),
        proxy_id=id_text(account.proxy_id),
        has_proxy=account.proxy_id is not None,
        proxy_assigned_at=ts(account.proxy_assigned_at),
        created_at=ts(account.created_at),
        updated_at=ts(account.updated_at),
    )


def page_bounds(page: int, page_size: int) -> tuple[int, int]:
    """(page, page_size) with the REST API's defaults and bounds."""
    if page < 0:
        raise InvalidArgument("page must be 1 or more.", field="page")
    if page_size < 0:
        raise InvalidArgument("page_size must be 1 or more.", field="page_size")
    size = min(page_size or PageNumberPagination.page_size, PageNumberPagination.max_page_size)
    return page or 1, size


class AccountServicer(accounts_pb2_grpc.AccountServiceServicer):
    def GetCredentials(self, request, context):  # noqa: N802 - the contract's names
        account_id = require_id(request.account_id, field="account_id")
        creds = account_credentials_reveal(account_id=account_id, actor=current_actor().user)
        return pb.GetCredentialsResponse(**creds)

    def UpdateStatus(self, request, context):  # noqa: N802
        account_id = require_id(request.account_id, field="account_id")
        status = enum_word(pb.AccountStatus, STATUS, request.status, field="status")
        previous = account_status_change(
            account_id=account_id,
            new_status=status,
            reason=request.reason,
            actor=current_actor().user,
        )
        return pb.UpdateStatusResponse(success=True, previous_status=enum_name(STATUS, previous))

    def GetAccount(self, request, context):  # noqa: N802
        account_id = require_id(request.account_id, field="account_id")
        return account_message(account_get(account_id=account_id))

    def ListAccounts(self, request, context):  # noqa: N802
        filters: dict[str, str] = {}
        if request.platform:
            filters["platform"] = request.platform
        if request.status:
            filters["status"] = enum_word(pb.AccountStatus, STATUS, request.status, field="status")
        if request.tag:
            filters["tag"] = request.tag
        if request.HasField("has_proxy"):
            filters["has_proxy"] = "true" if request.has_proxy else "false"
        if request.query:
            filters["q"] = request.query
        page, size = page_bounds(request.page, request.page_size)
        queryset = account_list(filters=filters)
        total = queryset.count()
        rows = queryset[(page - 1) * size : page * size]
        return pb.ListAccountsResponse(
            accounts=[account_message(a) for a in rows], total=total, page=page, page_size=size
        )
