"""Creating and changing warming scenarios (definitions validated by definitions.py)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.warming.definitions import scenario_validate
from core.audit import audit_record
from core.errors import AlreadyExists, InvalidArgument

from ..models import Scenario


@transaction.atomic
def scenario_create(
    *,
    id: str,
    name: str = "",
    description: str = "",
    definition: Any,
    actor: Any = None,
) -> Scenario:
    """Create a scenario. InvalidArgument for a bad definition, AlreadyExists for a taken id."""
    definition = scenario_validate(definition)
    if Scenario.objects.filter(pk=id).exists():
        raise AlreadyExists(f"A scenario {id!r} exists already.")
    scenario = Scenario.objects.create(
        id=id, name=name or id, description=description, definition=definition
    )
    audit_record(
        action="warming.scenario_create",
        target_type="warming_scenario",
        target=id,
        actor=actor,
        data={"total_days": definition["total_days"]},
    )
    return scenario


@transaction.atomic
def scenario_update(
    *,
    id: str,
    definition: Any,
    name: str | None = None,
    description: str | None = None,
    actor: Any = None,
) -> Scenario:
    """Replace a scenario's definition. Running tasks pick it up from their next day on."""
    definition = scenario_validate(definition)
    scenario = Scenario.objects.select_for_update().filter(pk=id).first()
    if scenario is None:
        raise InvalidArgument(f"No scenario {id!r}.", field="id")
    scenario.definition = definition
    if name is not None:
        scenario.name = name
    if description is not None:
        scenario.description = description
    scenario.save()
    audit_record(
        action="warming.scenario_update",
        target_type="warming_scenario",
        target=id,
        actor=actor,
        data={"total_days": definition["total_days"]},
    )
    return scenario
