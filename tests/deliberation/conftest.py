"""Fixtures of the hall and statistics tests (the people tests read the Chinese pages: their
``client`` is overridden in people/conftest.py)."""

import pytest

from deliberation.models import Category, Role
from deliberation.services.requests import request_submit
from tests.factories import UserFactory, make_member

DEFAULT_CATEGORIES = [
    ("物业服务", "Property services", "property", 3),
    ("设施维修", "Facility repairs", "property", 5),
    ("环境卫生", "Cleanliness and environment", "property", 3),
    ("邻里纠纷", "Disputes between neighbours", "community", 7),
    ("其他", "Other", "community", 7),
]


@pytest.fixture
def categories(db):
    """The default categories (made by the data migration; made again after a flushing test)."""
    for position, (zh, en, party, days) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(
            name_zh=zh,
            defaults={"name_en": en, "default_party": party, "sla_days": days, "position": position},
        )
    return {c.name_zh: c for c in Category.objects.all()}


@pytest.fixture
def client(client, settings):
    """Tests read English messages; one test checks the Chinese ones."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def category(categories):
    return categories["设施维修"]  # property company, 5 days


@pytest.fixture
def property_staff(company):
    return UserFactory(property_company=company, display_name="物业小刘")


@pytest.fixture
def street_officer(street):
    return UserFactory(street_office=street, display_name="街道老赵")


@pytest.fixture
def submit(community, category):
    """Submit a request as ``by`` (a new verified resident by default)."""

    def _submit(by=None, title="楼道灯坏了", description="3号楼2单元楼道灯坏了一周", **kwargs):
        by = by or make_member(community, role=Role.RESIDENT)
        kwargs.setdefault("category", category)
        return request_submit(community=community, by=by, title=title, description=description, **kwargs)

    return _submit
