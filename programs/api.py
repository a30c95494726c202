"""REST endpoints for organizations, people, competencies, programs and enrolments."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from mentorship.api import CharField, HRStaffOnly
from reports.selectors import program_summary

from .filters import EnrolmentFilter, OrganizationFilter, PersonFilter, ProgramFilter
from .models import Organization
from .selectors import (
    competencies,
    enrolments_visible_to,
    organizations_visible_to,
    people_visible_to,
    programs_visible_to,
)
from .serializers import (
    CompetencySerializer,
    EnrolmentSerializer,
    OrganizationSerializer,
    PersonSerializer,
    ProgramSerializer,
)

ID = r"\d{1,19}"


class OrganizationViewSet(viewsets.ModelViewSet):
    """The organization tree of the caller's subtree. ``within`` gives a whole subtree in one query."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    permission_classes = [HRStaffOnly]
    search_fields = ["name", "code"]
    ordering_fields = ["path", "name", "code", "kind"]
    ordering = ["path"]
    lookup_value_regex = ID

    def get_queryset(self):
        parent = Organization.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Organization.steplen)
        ).values("pk")[:1]
        return organizations_visible_to(self.request.user).annotate(parent_id=Subquery(parent))

    def perform_destroy(self, instance):
        if self.request.user.organization_id == instance.pk:
            raise serializers.ValidationError({"non_field_errors": [_("You cannot delete your own organization.")]})
        instance.delete()


class PersonViewSet(viewsets.ModelViewSet):
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    permission_classes = [HRStaffOnly]
    search_fields = ["full_name", "id_number", "phone", "position"]
    ordering_fields = ["full_name", "birth_date", "work_start_date", "id"]
    ordering = ["full_name", "id"]
    lookup_value_regex = ID

    def get_queryset(self):
        return people_visible_to(self.request.user)


class CompetencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CompetencySerializer
    search_fields = ["code", "name_zh", "name_en"]
    ordering_fields = ["position", "code"]
    ordering = ["position", "code"]
    lookup_value_regex = ID

    def get_queryset(self):
        return competencies()


class ProgramViewSet(viewsets.ModelViewSet):
    serializer_class = ProgramSerializer
    filterset_class = ProgramFilter
    permission_classes = [HRStaffOnly]
    search_fields = ["name", "description", "organization__name"]
    ordering_fields = ["start_date", "name", "id"]
    ordering = ["-start_date", "name"]
    lookup_value_regex = ID

    def get_queryset(self):
        return programs_visible_to(self.request.user).prefetch_related("competencies")

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request, pk=None):
        """The program's figures: the same numbers its dashboard shows."""
        return Response(program_summary(self.get_object()))


class EnrolmentViewSet(viewsets.ModelViewSet):
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilter
    permission_classes = [HRStaffOnly]
    search_fields = ["person__full_name", "person__id_number"]
    ordering_fields = ["person__full_name", "role", "enrolled_on", "id"]
    ordering = ["program", "role", "person__full_name", "id"]
    lookup_value_regex = ID

    def get_queryset(self):
        return enrolments_visible_to(self.request.user).prefetch_related("strengths", "needs")


class TokenRequestSerializer(serializers.Serializer):
    username = CharField(max_length=150)
    password = CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = CharField()


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (``Authorization: Token <t>``).

    Failed attempts count towards the login lockout like any other login.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # The plain HttpRequest goes to authenticate() so django-axes can count and lock out.
        user = authenticate(request._request, **credentials.validated_data)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [_("Unable to log in with these credentials.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
