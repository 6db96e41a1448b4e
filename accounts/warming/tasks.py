"""Celery tasks of the warming engine: thin, by id, each calling a service."""

from __future__ import annotations

from celery import shared_task

from core.jobs import periodic_task, tracked_job

TICK_JOB = "warming.tick"


@periodic_task(name="warming.tick", job=TICK_JOB)
def warming_tick_task() -> dict | None:
    from .engine import warming_tick

    with tracked_job(TICK_JOB) as job:
        if job is None:
            return None
        job.result = warming_tick().as_dict()
        return job.result


@shared_task(name="warming.run_actions", ignore_result=True, acks_late=True)
def warming_run_actions(action_ids: list[int]) -> list[str]:
    from .services.runner import warming_action_run

    return [warming_action_run(action_id=action_id) for action_id in action_ids]


@shared_task(name="warming.fan_out", ignore_result=True)
def warming_fan_out(action_ids: list[int], batch: int) -> int:
    """Split a large tick's action ids into run_actions messages (off the tick's clock)."""
    for start in range(0, len(action_ids), batch):
        warming_run_actions.delay(action_ids[start : start + batch])
    return len(action_ids)


@shared_task(name="warming.settle_tasks", ignore_result=True)
def warming_settle_tasks(task_ids: list[int]) -> list[str]:
    from .services.lifecycle import warming_complete_if_done

    return [warming_complete_if_done(task_id=task_id) for task_id in task_ids]
