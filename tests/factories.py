import datetime

import factory

from activities.models import Activity, ActivityKind
from alxa_dangjian.accounts.models import User
from alxa_dangjian.core.idnumber import make_id_number
from branches.models import CommitteeSeat, DevelopmentCase, Member, Organization, Term


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    type = Organization.Type.BRANCH
    category = Organization.Category.PARTY_MASS
    name = factory.Sequence(lambda n: f"测试第{n}党支部")
    short_name = factory.LazyAttribute(lambda o: o.name[:20])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"测试用户{n}")
    role = User.Role.SECRETARY
    password = factory.PostGenerationMethodCall("set_password", "Test@12345")

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MemberFactory(factory.django.DjangoModelFactory):
    """A valid member: the ID number agrees with birth date and gender."""

    class Meta:
        model = Member

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Member.Gender.MALE
    ethnicity = "汉族"
    birth_date = datetime.date(1985, 3, 7)
    # 499 distinct sequence numbers per region code; the region moves on after that.
    id_number = factory.LazyAttributeSequence(
        lambda o, n: make_id_number(
            region=f"{152900 + n // 499:06d}",
            birth_date=o.birth_date,
            sequence=2 * (n % 499) + 2,
            gender=o.gender,
        )
    )
    education = Member.Education.BACHELOR
    joined_on = datetime.date(2010, 7, 1)
    status = Member.Status.FULL
    confirmed_on = datetime.date(2011, 7, 1)


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: n + 1)
    elected_on = datetime.date(2023, 6, 1)
    length_years = 3


class CommitteeSeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeSeat

    organization = factory.SubFactory(OrganizationFactory)
    member = factory.SubFactory(MemberFactory, organization=factory.SelfAttribute("..organization"))
    post = CommitteeSeat.Post.MEMBER
    started_on = datetime.date(2023, 6, 1)


class DevelopmentCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DevelopmentCase

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"申请人{n}")
    gender = "female"
    birth_date = datetime.date(2000, 5, 20)
    id_number = factory.Sequence(
        lambda n: make_id_number(
            region="152922",
            birth_date=datetime.date(2000, 5, 20),
            sequence=2 * (n % 499) + 2,
            gender="female",
        )
    )
    education = "bachelor"
    stage = "applicant"


class ActivityFactory(factory.django.DjangoModelFactory):
    """A submitted record (counts towards compliance); pass kind=<code> for a seeded kind."""

    class Meta:
        model = Activity

    organization = factory.SubFactory(OrganizationFactory)
    kind = factory.LazyFunction(lambda: ActivityKind.objects.get(code="theme-day"))
    held_on = datetime.date(2026, 3, 10)
    theme = factory.Sequence(lambda n: f"主题活动{n}")
    status = Activity.Status.SUBMITTED
    created_by = factory.SubFactory(UserFactory)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("kind"), str):
            kwargs["kind"] = ActivityKind.objects.get(code=kwargs["kind"])
        return kwargs
