"""``notifications/``: the caller's own notifications, to list, filter by unread and mark read.

Anyone signed in has notifications (HR staff, mentors, mentees); nobody sees another's: they answer 404.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mentorship.api import ModelSerializer
from programs.filters import BooleanFilter, FilterSet

from . import services
from .models import Notification
from .selectors import notifications_of

ID = r"\d{1,19}"


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: ``"yes"`` or ``1`` for a flag is a client error."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class NotificationSerializer(ModelSerializer):
    """A reminder, digest or notice, in the recipient's language, with a link to what it is about."""

    read = StrictBooleanField(help_text="Whether the recipient has read it; PATCH it to mark read or unread.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "read", "sent_at"]
        read_only_fields = ["kind", "title", "body", "url", "created_at", "read_at", "sent_at"]

    def update(self, notification, validated_data):
        if "read" in validated_data:
            services.mark_read(notification, read=validated_data["read"])
        return notification


class NotificationFilter(FilterSet):
    unread = BooleanFilter(field_name="read_at", lookup_expr="isnull", label="only unread ones")

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Your notifications, newest first: reminders, digests and "report ready"."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    search_fields = ["title"]
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return notifications_of(self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = self.get_object()
        services.mark_read(notification)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("NotificationsMarkedRead", {"marked": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification of yours read."""
        return Response({"marked": services.mark_all_read(request.user)})
