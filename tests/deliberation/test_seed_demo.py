import pytest
from django.apps import apps
from django.core.management import call_command

from deliberation.management.commands.seed_demo import ACCOUNTS, DEMO_PASSWORD
from deliberation.models import Household, Membership, User

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row of every project model, so a second run that changes anything is caught."""
    data = {}
    for app in ("cms", "deliberation", "meetings"):
        for model in apps.get_app_config(app).get_models():
            data[model._meta.label] = sorted(
                tuple(sorted((k, str(v)) for k, v in row.items() if k not in {"last_login"}))
                for row in model.objects.values()
            )
    return data


def test_seed_demo_twice_leaves_the_same_data():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    assert 190 <= Household.objects.count() <= 210
    for email, _name, _role, _community in ACCOUNTS:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    assert Membership.objects.get(user__email="worker@demo.cn").role == "worker"
    assert User.objects.get(email="property@demo.cn").property_company is not None
    assert User.objects.get(email="street@demo.cn").street_office is not None
