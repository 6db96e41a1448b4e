"""conveer.ProxyService over the fleet's proxy services (REST: accounts/api/proxies.py)."""

from __future__ import annotations

from accounts.models import Platform, Proxy
from accounts.services.proxies import proxy_allocate, proxy_for_account, proxy_release, proxy_rotate
from accounts.services.proxy_health import proxy_check_health
from core.context import current_actor
from core.errors import InvalidArgument
from grpcapi.convert import id_text, require_id, ts
from grpcapi.gen.conveer import proxies_pb2 as pb
from grpcapi.gen.conveer import proxies_pb2_grpc

POWERS: dict[str, str | None] = {
    "AllocateProxy": "fleet.write",
    "ReleaseProxy": "fleet.write",
    "GetProxyForAccount": "fleet.read",
    "CheckHealth": "fleet.write",
    "ForceRotate": "fleet.write",
}


def proxy_message(proxy: Proxy) -> pb.Proxy:
    return pb.Proxy(
        id=str(proxy.pk),
        host=proxy.host,
        port=proxy.port,
        protocol=proxy.protocol,
        username=proxy.username,
        password=proxy.password or "",
        country=proxy.country,
        provider=proxy.provider,
        expires_at=ts(proxy.expires_at),
    )


class ProxyServicer(proxies_pb2_grpc.ProxyServiceServicer):
    def AllocateProxy(self, request, context):  # noqa: N802 - the contract's names
        account_id = require_id(request.account_id, field="account_id")
        if request.platform and request.platform not in Platform.values:
            raise InvalidArgument(
                f"Unknown platform {request.platform!r}; expected one of "
                f"{', '.join(Platform.values)}.",
                field="platform",
            )
        proxy = proxy_allocate(
            account_id=account_id,
            platform=request.platform,
            preferred_country=request.preferred_country,
            preferred_provider=request.preferred_provider,
            actor=current_actor().user,
        )
        return proxy_message(proxy)

    def ReleaseProxy(self, request, context):  # noqa: N802
        account_id = require_id(request.account_id, field="account_id")
        released = proxy_release(account_id=account_id, actor=current_actor().user)
        return pb.ReleaseProxyResponse(success=True, released_proxy_id=id_text(released))

    def GetProxyForAccount(self, request, context):  # noqa: N802
        account_id = require_id(request.account_id, field="account_id")
        return proxy_message(proxy_for_account(account_id=account_id))

    def CheckHealth(self, request, context):  # noqa: N802
        proxy_id = require_id(request.proxy_id, field="proxy_id")
        report = proxy_check_health(proxy_id=proxy_id, actor=current_actor().user)
        return pb.ProxyHealth(
            proxy_id=str(report.proxy_id),
            healthy=report.healthy,
            health=report.health,
            latency_ms=report.latency_ms or 0,
            error=report.error or "",
            consecutive_failures=report.consecutive_failures,
            checked_at=ts(report.checked_at),
            released_accounts=[str(a) for a in report.released_accounts],
        )

    def ForceRotate(self, request, context):  # noqa: N802
        account_id = require_id(request.account_id, field="account_id")
        return proxy_message(proxy_rotate(account_id=account_id, actor=current_actor().user))
