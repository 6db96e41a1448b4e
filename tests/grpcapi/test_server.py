"""The server as a whole: health following a Redis of the test's own, graceful stop, TLS,
per-service addresses, reflection."""

from __future__ import annotations

import datetime
import threading
import time
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import override_settings
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from core.registry import setting_set
from grpcapi.gen.conveer import sms_pb2, sms_pb2_grpc, warming_pb2, warming_pb2_grpc
from grpcapi.server import build, server_credentials
from tests.processes import RedisProcess

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture
def own_redis(tmp_path):
    server = RedisProcess(tmp_path).start()
    yield server
    server.kill()


def channel_to(platform, key: str = "127.0.0.1:0") -> grpc.Channel:
    channel = grpc.insecure_channel(f"127.0.0.1:{platform.ports[key]}")
    grpc.channel_ready_future(channel).result(timeout=10)
    return channel


@pytest.mark.django_db
def test_health_follows_redis_and_watch_sees_it(own_redis):
    platform = build(
        addr="127.0.0.1:0",
        service_addrs={},
        redis_url=own_redis.url,
        health_interval=0.2,
        max_workers=8,
    ).start()
    try:
        channel = channel_to(platform)
        health = health_pb2_grpc.HealthStub(channel)

        def check(name: str) -> int:
            request = health_pb2.HealthCheckRequest(service=name)
            return health.Check(request, timeout=5).status

        assert check("") == SERVING and check("conveer.ProxyService") == SERVING
        unknown = health_pb2.HealthCheckRequest(service="conveer.Nope")
        with pytest.raises(grpc.RpcError) as info:
            health.Check(unknown, timeout=5)
        assert info.value.code() == grpc.StatusCode.NOT_FOUND

        watch = health.Watch(health_pb2.HealthCheckRequest(service="conveer.AccountService"))
        seen: list[int] = []

        def follow():
            try:
                for answer in watch:
                    seen.append(answer.status)
            except grpc.RpcError:
                pass

        follower = threading.Thread(target=follow, daemon=True)
        follower.start()

        def wait_status(name: str, status: int) -> float:
            started = time.monotonic()
            while check(name) != status:
                assert time.monotonic() - started < 10, f"{name} never became {status}"
                time.sleep(0.05)
            return time.monotonic() - started

        own_redis.stop()
        assert wait_status("conveer.WarmingService", NOT_SERVING) < 5
        assert check("") == NOT_SERVING
        own_redis.start()
        assert wait_status("", SERVING) < 5
        deadline = time.monotonic() + 5
        while seen[-1:] != [SERVING] or NOT_SERVING not in seen:
            assert time.monotonic() < deadline, seen
            time.sleep(0.05)
        assert seen[0] == SERVING and seen.index(NOT_SERVING) > 0
        watch.cancel()
        channel.close()
    finally:
        platform.stop(grace=1)


@pytest.mark.django_db(transaction=True)
def test_graceful_stop_finishes_calls_and_ends_streams(make_token, operator_user, admin_user):
    setting_set(key="accounts.sms_sandbox_code_delay", value="100", actor=admin_user)
    platform = build(
        addr="127.0.0.1:0", service_addrs={}, health_interval=3600, max_workers=8
    ).start()
    channel = channel_to(platform)
    meta = (("authorization", f"Bearer {make_token(operator_user)}"),)
    sms = sms_pb2_grpc.SMSServiceStub(channel)
    activation = sms.GetNumber(sms_pb2.GetNumberRequest(service="vk"), metadata=meta)
    stream = warming_pb2_grpc.WarmingServiceStub(channel).StreamEvents(
        warming_pb2.StreamEventsRequest(), metadata=meta
    )
    outcome: dict = {}

    def read_stream():
        try:
            outcome["events"] = list(stream)
            outcome["stream"] = "ended"
        except grpc.RpcError as exc:
            outcome["stream"] = exc.code()

    def wait_code():
        request = sms_pb2.GetCodeRequest(activation_id=activation.id, timeout_seconds=2)
        outcome["code"] = sms.GetCode(request, metadata=meta, timeout=20)

    threads = [threading.Thread(target=read_stream), threading.Thread(target=wait_code)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while platform.hub.subscribers() < 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)  # GetCode is waiting now
    stopped = time.monotonic()
    platform.stop(grace=10)
    took = time.monotonic() - stopped
    for thread in threads:
        thread.join(10)
    assert outcome["stream"] == "ended" and outcome["events"] == []
    assert outcome["code"].success is False and outcome["code"].error.startswith("timeout")
    assert took < 8  # the stop waited for GetCode (about 2 s), not for the whole grace (10 s)
    with pytest.raises(grpc.RpcError) as info:
        sms.GetBalance(sms_pb2.GetBalanceRequest(), metadata=meta, timeout=2)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    channel.close()


def self_signed(tmp: Path) -> tuple[Path, Path, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp / "cert.pem").write_bytes(pem)
    (tmp / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tmp / "cert.pem", tmp / "key.pem", pem


@pytest.mark.django_db
def test_tls_per_service_address_and_reflection(tmp_path):
    cert, key, pem = self_signed(tmp_path)
    with override_settings(GRPC_TLS_CERT=str(cert), GRPC_TLS_KEY=str(key)):
        credentials = server_credentials()
    assert credentials is not None
    platform = build(
        addr="127.0.0.1:0",
        service_addrs={"conveer.ProxyService": "127.0.0.2:0"},
        credentials=credentials,
        health_interval=3600,
        max_workers=8,
    ).start()
    try:
        secure = grpc.secure_channel(
            f"127.0.0.2:{platform.ports['conveer.ProxyService']}",
            grpc.ssl_channel_credentials(root_certificates=pem),
            options=[("grpc.ssl_target_name_override", "localhost")],
        )
        health = health_pb2_grpc.HealthStub(secure)
        answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert answer.status == SERVING
        reflection = reflection_pb2_grpc.ServerReflectionStub(secure)
        replies = reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
        )
        names = {s.name for reply in replies for s in reply.list_services_response.service}
        # the per-service address serves that service alone (with health and reflection)
        assert "conveer.ProxyService" in names and "conveer.AccountService" not in names
        secure.close()

        plain = grpc.insecure_channel(f"127.0.0.1:{platform.ports['127.0.0.1:0']}")
        with pytest.raises(grpc.RpcError):
            health_pb2_grpc.HealthStub(plain).Check(health_pb2.HealthCheckRequest(), timeout=2)
        plain.close()
    finally:
        platform.stop(grace=1)


@pytest.mark.django_db
def test_a_service_address_on_the_main_port_adds_no_second_server():
    from tests.processes import free_port

    port = free_port()
    platform = build(
        addr=f"127.0.0.1:{port}",
        service_addrs={"conveer.AccountService": f"0.0.0.0:{port}", "conveer.SMSService": ""},
        health_interval=3600,
        max_workers=4,
    )
    try:
        # the main server already serves AccountService there; a second one sharing the port
        # would answer UNIMPLEMENTED for the other services on some connections
        assert len(platform.servers) == 1 and set(platform.ports) == {f"127.0.0.1:{port}"}
    finally:
        platform.stop(grace=0)
