"""The committed generated code matches the protos, and the protos keep the contract's names."""

from __future__ import annotations

from pathlib import Path

from grpcapi import codegen


def test_committed_code_matches_the_protos(tmp_path: Path):
    fresh = codegen.generate(tmp_path)
    assert fresh, "no proto generated anything"
    committed = sorted((codegen.GEN / "conveer").glob("*_pb2*.py*"))
    assert [p.name for p in committed] == [p.name for p in fresh]
    stale = [
        p.name for p in fresh if p.read_text() != (codegen.GEN / "conveer" / p.name).read_text()
    ]
    assert not stale, f"run `make protos` and commit grpcapi/gen: {stale} differ"


def test_services_and_messages_keep_the_contract_names():
    from grpcapi.gen.conveer import (
        accounts_pb2,
        proxies_pb2,
        sms_pb2,
        vk_pb2,
        warming_pb2,
    )

    services = {
        s.full_name: sorted(m.name for m in s.methods)
        for module in (accounts_pb2, proxies_pb2, sms_pb2, vk_pb2, warming_pb2)
        for s in module.DESCRIPTOR.services_by_name.values()
    }
    assert services == {
        "conveer.AccountService": ["GetAccount", "GetCredentials", "ListAccounts", "UpdateStatus"],
        "conveer.ProxyService": [
            "AllocateProxy",
            "CheckHealth",
            "ForceRotate",
            "GetProxyForAccount",
            "ReleaseProxy",
        ],
        "conveer.WarmingService": [
            "GetStatistics",
            "GetWarmingStatus",
            "PauseWarming",
            "ResumeWarming",
            "StartWarming",
            "StopWarming",
            "StreamEvents",
        ],
        "conveer.SMSService": ["CancelActivation", "GetBalance", "GetCode", "GetNumber"],
        "conveer.VKService": ["CheckAccountStatus", "ExecuteAction", "Register"],
    }
    proxy = {f.name: (f.number, f.type) for f in proxies_pb2.Proxy.DESCRIPTOR.fields}
    assert proxy["port"][0] == 3 and proxy["expires_at"][0] == 9
    assert proxies_pb2.Proxy.DESCRIPTOR.fields_by_name["expires_at"].message_type.full_name == (
        "google.protobuf.Timestamp"
    )
    assert accounts_pb2.AccountStatus.Name(6) == "ACCOUNT_STATUS_DELETED"
    assert vk_pb2.ActionType.Value("ACTION_TYPE_ADD_FRIEND") == 8
    assert sms_pb2.SMSStatus.Value("SMS_STATUS_FAILED") == 6
    assert warming_pb2.WarmingStatus.Value("WARMING_STATUS_FAILED") == 5
    event = {f.name: f.number for f in warming_pb2.WarmingEvent.DESCRIPTOR.fields}
    assert event == {"task_id": 1, "event_type": 2, "timestamp": 3, "data": 4}
