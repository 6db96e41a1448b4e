"""WarmingService over gRPC, and StreamEvents fed by a real warming run."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from django.db import connection

from accounts.warming.engine import warming_tick
from accounts.warming.events import events_publish_many
from accounts.warming.services import warming_action_run, warming_start
from core.registry import setting_set
from grpcapi import events as hub_module
from grpcapi.gen.conveer import sms_pb2, warming_pb2_grpc
from grpcapi.gen.conveer import warming_pb2 as pb
from tests.accounts.warming.factories import AccountFactory
from tests.accounts.warming.helpers import fast_scenario, make_due
from tests.grpcapi.conftest import code_of

pytestmark = pytest.mark.django_db(transaction=True)
C = grpc.StatusCode


def run_all_due(task_id: int) -> None:
    """The engine, as the worker runs it: tick, then run what it queued, until nothing is due."""
    make_due(task_id)
    for _ in range(3):
        ids: list[int] = []
        warming_tick(dispatch=lambda actions, settle, batch: ids.extend(actions))
        for action_id in ids:
            warming_action_run(action_id=action_id)


def wait_for(predicate, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class Reader(threading.Thread):
    """Reads a StreamEvents call into a list until it ends or is cancelled."""

    def __init__(self, call):
        super().__init__(daemon=True)
        self.call = call
        self.events: list = []
        self.code = None

    def run(self):
        try:
            for event in self.call:
                self.events.append(event)
            self.code = C.OK
        except grpc.RpcError as exc:
            self.code = exc.code()


def test_task_life_cycle_and_statistics(stubs, bearer, operator_user):
    fast_scenario()
    account = AccountFactory()
    meta = bearer(operator_user)
    task = stubs.warming.StartWarming(
        pb.StartWarmingRequest(account_id=str(account.pk), scenario_id="fast", duration_days=1),
        metadata=meta,
    )
    assert task.status == pb.WARMING_STATUS_RUNNING and task.total_days == 1
    assert task.account_id == str(account.pk) and task.scenario_id == "fast"
    assert task.started_at.seconds > 0 and not task.HasField("completed_at")
    again = pb.StartWarmingRequest(account_id=str(account.pk), scenario_id="fast")
    assert code_of(lambda: stubs.warming.StartWarming(again, metadata=meta)) == (
        C.FAILED_PRECONDITION
    )

    ref = task.id
    paused = stubs.warming.PauseWarming(pb.PauseWarmingRequest(task_id=ref), metadata=meta)
    assert paused.status == pb.WARMING_STATUS_PAUSED
    twice = pb.PauseWarmingRequest(task_id=ref)
    assert code_of(lambda: stubs.warming.PauseWarming(twice, metadata=meta)) == (
        C.FAILED_PRECONDITION
    )
    resumed = stubs.warming.ResumeWarming(pb.ResumeWarmingRequest(task_id=ref), metadata=meta)
    assert resumed.status == pb.WARMING_STATUS_RUNNING
    running = pb.ResumeWarmingRequest(task_id=ref)
    assert code_of(lambda: stubs.warming.ResumeWarming(running, metadata=meta)) == (
        C.FAILED_PRECONDITION
    )
    status = stubs.warming.GetWarmingStatus(pb.GetWarmingStatusRequest(task_id=ref), metadata=meta)
    assert status.id == ref and status.status == pb.WARMING_STATUS_RUNNING

    stats = stubs.warming.GetStatistics(pb.GetStatisticsRequest(), metadata=meta)
    assert stats.total_tasks == 1 and stats.tasks_by_status["running"] == 1
    assert [(g.key, g.tasks) for g in stats.by_scenario] == [("fast", 1)]
    assert [(g.key, g.running) for g in stats.by_platform] == [("vk", 1)]

    stopped = stubs.warming.StopWarming(
        pb.StopWarmingRequest(task_id=ref, reason="enough"), metadata=meta
    )
    assert stopped.status == pb.WARMING_STATUS_FAILED and "enough" in stopped.error
    assert stopped.HasField("completed_at")
    ended = pb.StopWarmingRequest(task_id=ref)
    assert code_of(lambda: stubs.warming.StopWarming(ended, metadata=meta)) == (
        C.FAILED_PRECONDITION
    )
    assert code_of(lambda: stubs.warming.GetStatistics(pb.GetStatisticsRequest())) == (
        C.UNAUTHENTICATED
    )

    missing = pb.GetWarmingStatusRequest(task_id="424242")
    assert code_of(lambda: stubs.warming.GetWarmingStatus(missing, metadata=meta)) == C.NOT_FOUND
    malformed = pb.GetWarmingStatusRequest(task_id="-1")
    assert code_of(lambda: stubs.warming.GetWarmingStatus(malformed, metadata=meta)) == (
        C.INVALID_ARGUMENT
    )
    nobody = pb.StartWarmingRequest(account_id="999999")
    assert code_of(lambda: stubs.warming.StartWarming(nobody, metadata=meta)) == C.NOT_FOUND


def test_stream_events_of_a_real_run_honour_filters(
    stubs, bearer, operator_user, admin_user, grpc_platform
):
    # every sandbox action succeeds (outcomes depend on the task ids, which vary with the order
    # the suite runs in)
    setting_set(key="accounts.driver.sandbox_success_rate", value="1", actor=admin_user)
    setting_set(key="accounts.driver.sandbox_latency_ms", value=0, actor=admin_user)
    fast_scenario()
    first = warming_start(account_id=AccountFactory().pk, scenario_id="fast", actor="test")
    second = warming_start(account_id=AccountFactory().pk, scenario_id="fast", actor="test")
    meta = bearer(operator_user)
    hub = grpc_platform.hub
    wait_for(lambda: hub.subscribers() == 0)

    by_task = Reader(
        stubs.warming.StreamEvents(pb.StreamEventsRequest(task_id=str(first.pk)), metadata=meta)
    )
    completed = Reader(
        stubs.warming.StreamEvents(
            pb.StreamEventsRequest(event_types=["action_completed"]), metadata=meta
        )
    )
    everything = Reader(stubs.warming.StreamEvents(pb.StreamEventsRequest(), metadata=meta))
    readers = [by_task, completed, everything]
    for reader in readers:
        reader.start()
    try:
        check_stream(readers, first, second, hub)
    finally:
        for reader in readers:
            reader.call.cancel()
    for reader in readers:
        reader.join(5)
        assert reader.code == C.CANCELLED
    wait_for(lambda: hub.subscribers() == 0)  # a cancelled stream frees its subscription

    bad = pb.StreamEventsRequest(event_types=["nope"])
    assert code_of(lambda: list(stubs.warming.StreamEvents(bad, metadata=meta))) == (
        C.INVALID_ARGUMENT
    )
    assert code_of(lambda: list(stubs.warming.StreamEvents(pb.StreamEventsRequest()))) == (
        C.UNAUTHENTICATED
    )


def check_stream(readers, first, second, hub) -> None:
    by_task, completed, everything = readers
    wait_for(lambda: hub.subscribers() == 3)

    def engine():
        try:
            run_all_due(first.pk)
            run_all_due(second.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=engine)
    worker.start()
    worker.join(60)
    wait_for(lambda: len(everything.events) >= 12 and len(completed.events) >= 6)
    time.sleep(0.2)  # nothing else may arrive

    assert {e.task_id for e in by_task.events} == {str(first.pk)}
    assert [e.event_type for e in by_task.events] == ["action_started", "action_completed"] * 3
    assert [e.event_type for e in completed.events] == ["action_completed"] * 6
    assert {e.task_id for e in completed.events} == {str(first.pk), str(second.pk)}
    assert len(everything.events) == 12
    done = completed.events[0]
    assert done.data["status"] == "succeeded" and done.timestamp.seconds > 0


def test_a_slow_stream_is_dropped_and_blocks_nobody(
    stubs, bearer, operator_user, grpc_platform, monkeypatch
):
    monkeypatch.setattr(hub_module, "QUEUE_SIZE", 30)
    hub = grpc_platform.hub
    wait_for(lambda: hub.subscribers() == 0)
    meta = bearer(operator_user)
    # a client that never reads, on a connection whose flow-control window stays small
    slow_channel = grpc.insecure_channel(
        f"127.0.0.1:{grpc_platform.ports['127.0.0.1:0']}",
        options=[("grpc.http2.bdp_probe", 0)],
    )
    slow_stub = warming_pb2_grpc.WarmingServiceStub(slow_channel)
    slow = slow_stub.StreamEvents(pb.StreamEventsRequest(), metadata=meta)
    fast = Reader(stubs.warming.StreamEvents(pb.StreamEventsRequest(), metadata=meta))
    fast.start()
    wait_for(lambda: hub.subscribers() == 2)

    # 4 MB of events in bursts of 10: far beyond the slow client's flow-control window and
    # its queue; the reading client keeps up
    blob = "x" * 20_000
    for _ in range(20):
        events_publish_many([(1, "action_completed", {"blob": blob})] * 10)
        time.sleep(0.02)
    wait_for(lambda: len(fast.events) == 200 or fast.code is not None, seconds=20)
    assert (len(fast.events), fast.code) == (200, None)
    wait_for(lambda: hub.subscribers() == 1)  # the slow one was dropped

    received = 0
    with pytest.raises(grpc.RpcError) as info:
        for _ in slow:
            received += 1
    assert info.value.code() == C.RESOURCE_EXHAUSTED and received < 200
    fast.call.cancel()
    fast.join(5)
    slow_channel.close()


def test_long_calls_beyond_the_process_cap_are_refused(
    stubs, bearer, operator_user, grpc_platform, monkeypatch
):
    hub = grpc_platform.hub
    monkeypatch.setattr(grpc_platform.long_calls, "limit", 1)
    wait_for(lambda: hub.subscribers() == 0)
    meta = bearer(operator_user)
    first = Reader(stubs.warming.StreamEvents(pb.StreamEventsRequest(), metadata=meta))
    first.start()
    wait_for(lambda: hub.subscribers() == 1)
    second = pb.StreamEventsRequest()
    assert code_of(lambda: list(stubs.warming.StreamEvents(second, metadata=meta))) == (
        C.RESOURCE_EXHAUSTED
    )
    wait = sms_pb2.GetCodeRequest(
        activation_id="00000000-0000-0000-0000-000000000000", timeout_seconds=5
    )
    assert code_of(lambda: stubs.sms.GetCode(wait, metadata=meta)) == C.RESOURCE_EXHAUSTED
    # unary calls still run
    assert stubs.warming.GetStatistics(pb.GetStatisticsRequest(), metadata=meta).total_tasks == 0
    first.call.cancel()
    first.join(5)
    wait_for(lambda: hub.subscribers() == 0 and grpc_platform.long_calls.running == 0)
