import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from commissioning.choices import Role
from commissioning.models import (
    Directorate,
    Framework,
    OutcomeMeasure,
    OutcomeMeasureValue,
    StrategicOutcome,
    SuggestedMeasure,
    SupportingOutcome,
    User,
)


class DirectorateFactory(DjangoModelFactory):
    class Meta:
        model = Directorate
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:02d}")
    name = factory.Sequence(lambda n: f"Directorate {n}")


class UserFactory(DjangoModelFactory):
    """A person in one role: UserFactory(role="commissioner", directorate=d). role="" gives no role."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.uk")
    password = factory.django.Password("correct-horse-battery")
    directorate = None

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        role = Role.MEMBER if extracted is None else extracted
        if create and role:
            self.groups.add(Group.objects.get(name=role))


class FrameworkFactory(DjangoModelFactory):
    class Meta:
        model = Framework
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"framework-{n}")
    council = "Kent County Council"
    name = factory.Sequence(lambda n: f"Framework {n}")
    title = factory.LazyAttribute(lambda f: f.name)
    period_start = 2015
    period_end = 2020
    vision = "Improving lives by ensuring every pound spent is delivering better outcomes."
    is_default = False


class StrategicOutcomeFactory(DjangoModelFactory):
    class Meta:
        model = StrategicOutcome

    framework = factory.SubFactory(FrameworkFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"Strategic outcome {n + 1}")
    order = factory.Sequence(lambda n: n)


class SupportingOutcomeFactory(DjangoModelFactory):
    class Meta:
        model = SupportingOutcome

    strategic_outcome = factory.SubFactory(StrategicOutcomeFactory)
    framework = factory.SelfAttribute("strategic_outcome.framework")
    code = factory.Sequence(lambda n: f"9.{n + 1}")
    title = factory.Sequence(lambda n: f"Supporting outcome {n + 1}")
    order = factory.Sequence(lambda n: n)


class SuggestedMeasureFactory(DjangoModelFactory):
    class Meta:
        model = SuggestedMeasure

    supporting_outcome = factory.SubFactory(SupportingOutcomeFactory)
    text = factory.Sequence(lambda n: f"Increase measure {n}")


class OutcomeMeasureFactory(DjangoModelFactory):
    """An outcome measure in a supporting outcome's basket; higher is better unless said otherwise."""

    class Meta:
        model = OutcomeMeasure

    supporting_outcome = factory.SubFactory(SupportingOutcomeFactory)
    framework = factory.SelfAttribute("supporting_outcome.framework")
    code = factory.Sequence(lambda n: f"{n + 1}.{n % 7 + 1}{n % 9 + 1}")
    name = factory.Sequence(lambda n: f"Outcome measure {n + 1}")
    unit = "%"
    higher_is_better = True
    order = factory.Sequence(lambda n: n)


class OutcomeMeasureValueFactory(DjangoModelFactory):
    """A value of a measure for a financial year: OutcomeMeasureValueFactory(measure=m, year=2016, value=...)."""

    class Meta:
        model = OutcomeMeasureValue

    class Params:
        year = 2016

    measure = factory.SubFactory(OutcomeMeasureFactory)
    period = factory.LazyAttribute(lambda o: f"{o.year - 1}-{o.year % 100:02d}")
    period_end = factory.LazyAttribute(lambda o: datetime.date(o.year, 3, 31))
    value = Decimal("50")
