"""The whole OpenAPI schema, fuzzed (schemathesis) against the live test server on the test database,
as an editor, a viewer, a read-only token and an outsider: no 5xx, every response conforms to the
schema (status codes documented, bodies and headers as declared), invalid input is refused.

One test per operation of the schema, so a new endpoint is fuzzed as soon as it is routed. Path ids
are the matrices' real objects (random ids only ever meet a 404). Bounded for the suite: a fixed,
derandomized run of PMTOOL_FUZZ_EXAMPLES examples per mode (positive and negative), per operation and
caller; `make fuzz` runs it longer."""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation import GenerationMode

from pmtool import services
from tests.pmtool.test_permissions import world  # noqa: F401 - the fixture
from tests.strategy.test_permissions import params  # noqa: F401 - the fixture

EXAMPLES = int(os.environ.get("PMTOOL_FUZZ_EXAMPLES", "3"))
# The coverage phase generates every case the schema defines (minutes): `make fuzz` adds it.
PHASES = os.environ.get("PMTOOL_FUZZ_PHASES", "examples,fuzzing").split(",")
CALLERS = ("editor", "viewer", "ro", "outsider")
# The suite sends each example as one caller, in turn; `make fuzz` sends every example as each caller.
ALL_CALLERS = os.environ.get("PMTOOL_FUZZ_ALL_CALLERS", "") == "1"
_ROTATION = itertools.cycle(CALLERS)

# Path parameters of the schema → placeholders of the permission matrices' world.
PATH_IDS = {
    "workspace_id": "ws",
    "product_id": "product",
    "membership_id": "member",
    "invitation_id": "invitation",
    "token_id": "my_token",
    "goal_id": "goal",
    "key_result_id": "key_result",
    "initiative_id": "initiative",
    "persona_id": "persona",
    "competitor_id": "competitor",
    "metric_id": "metric",
    "sample_id": "sample",
    "number": "rev",
}

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES, deterministic=True
)
schema.config.phases.update(phases=PHASES)


@pytest.fixture
def tokens(world: Any) -> dict[str, str]:  # noqa: F811 - the imported fixture
    """A bearer secret per caller."""
    raw = {who: services.api_token_create(user=getattr(world.team, who), name=f"fuzz {who}")[1] for who in CALLERS[:2]}
    raw["outsider"] = services.api_token_create(user=world.team.outsider, name="fuzz outsider")[1]
    raw["ro"] = world.raw["ro"]
    return raw


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_holds_to_its_schema(case: Any, live_server: Any, world: Any, params: Any, tokens: Any) -> None:  # noqa: F811
    ids = {**world.params("editor"), **params}
    for name in list(case.path_parameters or {}):
        if name in PATH_IDS and str(ids.get(PATH_IDS[name], "")).isdigit():
            case.path_parameters[name] = int(ids[PATH_IDS[name]])
    for who in CALLERS if ALL_CALLERS else (next(_ROTATION),):
        case.call_and_validate(
            base_url=live_server.url,
            headers={"Authorization": f"Bearer {tokens[who]}"},
            # Valid-looking input that a domain rule refuses (a taken slug, a stale version) is a
            # documented 4xx, not a failure.
            excluded_checks=[positive_data_acceptance],
        )
