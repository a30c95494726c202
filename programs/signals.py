"""Signing out or deactivating an account ends its API tokens; deactivation ends its sessions too."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import User


@receiver(user_logged_out)
def end_tokens_on_logout(sender, request, user, **kwargs):
    if user is not None:
        Token.objects.filter(user=user).delete()


@receiver(post_save, sender=User)
def end_access_of_deactivated_users(sender, instance: User, **kwargs):
    if instance.is_active:
        return
    Token.objects.filter(user=instance).delete()
    user_id = str(instance.pk)
    live = Session.objects.filter(expire_date__gt=timezone.now())
    # Sessions are opaque rows; only those of this user are decoded-matched and removed.
    doomed = [s.session_key for s in live.iterator() if s.get_decoded().get("_auth_user_id") == user_id]
    Session.objects.filter(session_key__in=doomed).delete()
