import factory

from pmtool.models import LifecycleStage, Product, User, Workspace
from pmtool.services import workspace_run_setup


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")

    @factory.post_generation
    def _setup(obj, create, extracted, **kwargs):  # noqa: N805 - every app's defaults, as workspace_create gives them
        if create:
            workspace_run_setup(obj)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A product for tests."
    stage = LifecycleStage.GROWTH


# --- backlog ------------------------------------------------------------------------------


def _default_status(feature):
    from backlog.models import FeatureStatus

    return FeatureStatus.objects.filter(workspace_id=feature.product.workspace_id).order_by("position", "id").first()


def _next_rank(feature):
    from backlog.models import Feature
    from pmtool.ranking import key_between

    last = Feature.objects.filter(product=feature.product).order_by("-rank").values_list("rank", flat=True).first()
    return key_between(last, None)


class FeatureFactory(factory.django.DjangoModelFactory):
    """A feature at the bottom of its product's backlog, in the workspace's first status."""

    class Meta:
        model = "backlog.Feature"

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"Feature {n}")
    status = factory.LazyAttribute(_default_status)
    rank = factory.LazyAttribute(_next_rank)


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "backlog.Release"

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Release {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "backlog.Team"

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "backlog.ScorecardCriterion"

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 1
    scale_min = 1
    scale_max = 5
