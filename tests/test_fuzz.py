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
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from pmtool import services
from pmtool.activity import Actor
from tests.backlog.test_permissions import AREAS as BACKLOG_AREAS
from tests.pmtool.test_permissions import world  # noqa: F401 - the fixture
from tests.strategy.test_permissions import params  # noqa: F401 - the fixture

EXAMPLES = int(os.environ.get("PMTOOL_FUZZ_EXAMPLES", "3"))
# The coverage phase generates every case the schema defines (minutes): `make fuzz` adds it.
PHASES = os.environ.get("PMTOOL_FUZZ_PHASES", "examples,fuzzing").split(",")
CALLERS = ("editor", "viewer", "ro", "outsider")
# The suite sends each example as one caller, in turn; `make fuzz` sends every example as each caller.
ALL_CALLERS = os.environ.get("PMTOOL_FUZZ_ALL_CALLERS", "") == "1"
DEMO = os.environ.get("PMTOOL_FUZZ_DATA", "") == "demo"
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
    "criterion_id": "criterion",
    "feature_id": "feature",  # a backlog matrix world's feature (tests/backlog/matrix_*.py setup)
    "status_id": "status",
    "release_id": "release",
    "team_id": "team",
    "tag_id": "tag",
}

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=EXAMPLES, deterministic=True
)
schema.config.phases.update(phases=PHASES)


def _demo_target(outsider: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The demo data (`seed_demo`): its ids and its people's secrets (Ada's read-only token)."""
    from django.core.management import call_command

    from backlog.models import FeatureStatus, Release, Tag, Team
    from pmtool.models import Membership, Product, User
    from strategy.models import Competitor, Goal, Initiative, KeyResult, Metric, MetricSample, Persona, VisionRevision

    call_command("seed_demo", verbosity=0)
    ada, eddie, vera = (User.objects.get(email=f"{n}@demo.pmtool.dev") for n in ("ada", "eddie", "vera"))
    workspace = Membership.objects.filter(user=ada).order_by("id").first().workspace
    product = Product.objects.filter(workspace=workspace, goals__isnull=False).order_by("id").first()
    metric = Metric.objects.filter(product=product, samples__isnull=False).order_by("id").first()
    invitation = services.invitation_create(
        actor=Actor(user=ada), workspace=workspace, email="fuzz@example.test", role="editor"
    )
    ids = {
        "ws": workspace.pk,
        "product": product.pk,
        "member": Membership.objects.get(workspace=workspace, user=vera).pk,
        "invitation": invitation.pk,
        "my_token": services.api_token_create(user=eddie, name="fuzz own")[0].pk,
        "goal": Goal.objects.filter(workspace=workspace).order_by("id").first().pk,
        "key_result": KeyResult.objects.filter(goal__workspace=workspace).order_by("id").first().pk,
        "initiative": Initiative.objects.filter(workspace=workspace).order_by("id").first().pk,
        "persona": Persona.objects.filter(product__workspace=workspace).order_by("id").first().pk,
        "competitor": Competitor.objects.filter(product__workspace=workspace).order_by("id").first().pk,
        "metric": metric.pk,
        "sample": MetricSample.objects.filter(metric=metric).order_by("id").first().pk,
        "rev": VisionRevision.objects.filter(vision__product=product).order_by("number").first().number,
        "status": FeatureStatus.objects.filter(workspace=workspace).order_by("id").first().pk,
        "release": Release.objects.filter(product__workspace=workspace).order_by("id").first().pk,
        "team": Team.objects.filter(workspace=workspace).order_by("id").first().pk,
        "tag": Tag.objects.filter(workspace=workspace).order_by("id").first().pk,
    }
    secrets = {
        "editor": services.api_token_create(user=eddie, name="fuzz editor")[1],
        "viewer": services.api_token_create(user=vera, name="fuzz viewer")[1],
        "ro": services.api_token_create(user=ada, name="fuzz ro", scope="read")[1],
        "outsider": services.api_token_create(user=outsider, name="fuzz outsider")[1],
    }
    return ids, secrets


@pytest.fixture
def target(request: pytest.FixtureRequest) -> tuple[dict[str, Any], dict[str, str]]:
    """Ids by placeholder and a bearer secret per caller: the permission matrices' world, or with
    PMTOOL_FUZZ_DATA=demo (`make fuzz`) the demo data."""
    matrix_world = request.getfixturevalue("world")
    team = matrix_world.team
    if DEMO:
        return _demo_target(team.outsider)
    ids = {**matrix_world.params("editor"), **request.getfixturevalue("params")}
    for area in BACKLOG_AREAS:  # the backlog's objects (tests/backlog/matrix_*.py), e.g. a feature
        ids.update(area.setup(matrix_world))
    secrets = {who: services.api_token_create(user=getattr(team, who), name=f"fuzz {who}")[1] for who in CALLERS[:2]}
    secrets["outsider"] = services.api_token_create(user=team.outsider, name="fuzz outsider")[1]
    secrets["ro"] = matrix_world.raw["ro"]
    return ids, secrets


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_holds_to_its_schema(case: Any, live_server: Any, target: Any) -> None:
    ids, secrets = target
    # Real ids, unless the case's path is the invalid part (then it must stay as generated).
    path_is_negative = case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
    for name in [] if path_is_negative else list(case.path_parameters or {}):
        if name in PATH_IDS and str(ids.get(PATH_IDS[name], "")).isdigit():
            case.path_parameters[name] = int(ids[PATH_IDS[name]])
    for who in CALLERS if ALL_CALLERS else (next(_ROTATION),):
        case.call_and_validate(
            base_url=live_server.url,
            headers={"Authorization": f"Bearer {secrets[who]}"},
            # Valid-looking input that a domain rule refuses (a taken slug, a stale version) is a
            # documented 4xx, not a failure.
            excluded_checks=[positive_data_acceptance],
        )
