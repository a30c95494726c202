from importlib import import_module

import pytest
from django.test import Client
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
def client():
    """A browser asking for English pages; tests about Chinese ask for it themselves."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def api(hr_user):
    """An API client authenticated as an HR user of ``organization``, reading English messages."""
    client = APIClient(headers={"accept-language": "en"})
    client.force_authenticate(hr_user)
    return client


@pytest.fixture
def hr_client(client, hr_user):
    """A browser-like client logged in as an HR user of ``organization``."""
    client.force_login(hr_user)
    return client


@pytest.fixture
def seven_abilities(transactional_db):
    """The seven abilities of the data migration, again: transactional tests empty every table after themselves."""
    from django.apps import apps

    import_module("programs.migrations.0002_seven_abilities").load_abilities(apps, None)
