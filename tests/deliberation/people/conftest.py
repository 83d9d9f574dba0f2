import pytest
from django.test import Client


@pytest.fixture
def client():
    """A client without the English cookie of tests/deliberation/conftest.py: the people tests
    read the pages in the default language, Chinese (pytest-django's own ``client``)."""
    return Client()
