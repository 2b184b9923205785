import datetime
from decimal import Decimal

import factory

from tests.factories import OrganizationFactory, UserFactory
from training.models import Course, CourseOrder, Teacher, TrainingClass


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    name = factory.Sequence(lambda n: f"教师{n}")
    unit = "盟委党校"
    source = Teacher.Source.TRAINED
    topics = "党章党规"
    phone = "13800001234"
    status = Teacher.Status.APPROVED


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    title = factory.Sequence(lambda n: f"课程{n}")
    form = "theory"
    hours = Decimal("4")
    teacher = factory.SubFactory(TeacherFactory)


class CourseOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseOrder

    organization = factory.SubFactory(OrganizationFactory)
    course = factory.SubFactory(CourseFactory)
    wished_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=7))
    created_by = factory.SubFactory(UserFactory)


class TrainingClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingClass

    title = factory.Sequence(lambda n: f"培训班{n}")
    kind = TrainingClass.Kind.BRANCH
    organization = factory.SubFactory(OrganizationFactory)
    starts_on = factory.LazyFunction(datetime.date.today)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on)
    created_by = factory.SubFactory(UserFactory)
