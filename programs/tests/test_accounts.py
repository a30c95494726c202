from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from programs.models import User
from programs.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_createhruser_makes_an_account_scoped_to_the_organization():
    OrganizationFactory(code="XA")

    call_command("createhruser", "wang", organization="XA", password="Qinglan-2026!", stdout=StringIO())

    user = User.objects.get(username="wang")
    assert user.organization.code == "XA"
    assert user.check_password("Qinglan-2026!")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name="HR staff").exists()


def test_createhruser_refuses_an_unknown_organization_or_a_weak_password():
    OrganizationFactory(code="XA")

    with pytest.raises(CommandError, match="NOPE"):
        call_command("createhruser", "li", organization="NOPE")
    with pytest.raises(CommandError):
        call_command("createhruser", "li", organization="XA", password="123")
    assert not User.objects.filter(username="li").exists()
