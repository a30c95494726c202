"""Writes with a rule about organizations and accounts."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Q

from .models import Organization, User

HR_STAFF_GROUP = "HR staff"
HR_MANAGED_APPS = ("programs", "pairings", "reports")
HR_READ_ONLY_MODELS = ("organization", "competency", "user", "matchrun")


def hr_staff_group() -> Group:
    """The admin permissions HR staff hold; what they may touch is limited to their subtree by scoping."""
    group, _ = Group.objects.get_or_create(name=HR_STAFF_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=HR_MANAGED_APPS).filter(
        ~Q(content_type__model__in=HR_READ_ONLY_MODELS) | Q(codename__startswith="view_")
    )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def create_hr_user(
    *, username: str, organization: Organization, password: str | None, email: str = "", admin_access: bool = True
) -> User:
    """An HR staff account scoped to ``organization``'s subtree; with no password it cannot log in until one is set."""
    user = User(username=username, email=email, organization=organization, is_staff=admin_access)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if admin_access:
        user.groups.add(hr_staff_group())
    return user
