import factory

from alxa_dangjian.accounts.models import User
from branches.models import Organization


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
