import pytest
from rest_framework.test import APIClient

from programs.tests.factories import HRUserFactory, OrganizationFactory, UserFactory


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="咸安区", code="XA")


@pytest.fixture
def hr_user(organization):
    return HRUserFactory(username="hr", organization=organization)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def api(hr_user):
    """An API client authenticated as an HR user of ``organization``."""
    client = APIClient()
    client.force_authenticate(hr_user)
    return client


@pytest.fixture
def hr_client(client, hr_user):
    """A browser-like client logged in as an HR user of ``organization``."""
    client.force_login(hr_user)
    return client
