"""factory_boy factories. Pages are created under the real page tree through ``add_child``."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from cms.models import CommunityPage, HomePage, StreetOfficePage
from deliberation.models import Building, Household, Membership, Owner, PropertyCompany, Role, Tenure, User
from deliberation.services.pages import hall_page_ensure
from meetings.services.pages import meeting_index_ensure


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    display_name = factory.Sequence(lambda n: f"居民{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PropertyCompanyFactory(DjangoModelFactory):
    class Meta:
        model = PropertyCompany
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"物业公司{n}")


def home_page() -> HomePage:
    return HomePage.objects.get(depth=2)


def make_street(title="大学西路街道", slug=None) -> StreetOfficePage:
    street = StreetOfficePage(title=title, slug=slug or f"street-{StreetOfficePage.objects.count() + 1}")
    home_page().add_child(instance=street)
    return street


def make_community(street=None, title="幸福社区", company=None, threshold=3, slug=None) -> CommunityPage:
    street = street or make_street()
    community = CommunityPage(
        title=title,
        slug=slug or f"community-{CommunityPage.objects.count() + 1}",
        area="赛罕区",
        property_company=company,
        support_threshold=threshold,
    )
    street.add_child(instance=community)
    hall_page_ensure(community)  # as the admin's after_create_page hooks do
    meeting_index_ensure(community)
    return community


class BuildingFactory(DjangoModelFactory):
    class Meta:
        model = Building
        django_get_or_create = ("community", "name")

    name = "1号楼"


class HouseholdFactory(DjangoModelFactory):
    class Meta:
        model = Household

    building = factory.SubFactory(BuildingFactory)
    unit = "1单元"
    room = factory.Sequence(lambda n: f"{101 + n}")
    area = Decimal("90.00")


class OwnerFactory(DjangoModelFactory):
    class Meta:
        model = Owner

    household = factory.SubFactory(HouseholdFactory)
    name = factory.Sequence(lambda n: f"业主{n}")


def make_member(community, role=Role.RESIDENT, user=None, household=None, tenure=Tenure.OWNER, **user_kwargs):
    """A verified member of ``community`` with a household on its roster."""
    user = user or UserFactory(**user_kwargs)
    if household is None:
        building, _ = Building.objects.get_or_create(community=community, name="综合楼")
        household = HouseholdFactory(building=building)
    Membership.objects.create(
        user=user,
        community=community,
        role=role,
        status=Membership.Status.APPROVED,
        household=household,
        claimed_building=household.building.name,
        claimed_unit=household.unit,
        claimed_room=household.room,
        tenure=tenure,
    )
    return user
