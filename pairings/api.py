"""REST endpoints for pairings, growth plans, goals, activities, assessments, reviews and outcomes."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response

from mentorship.api import HRStaffWritesOnly, RowsList
from programs.models import Enrolment

from . import services
from .filters import (
    ActivityFilter,
    AssessmentFilter,
    GoalFilter,
    GrowthPlanFilter,
    OutcomeFilter,
    PairingFilter,
    ReviewFilter,
)
from .models import PairingStatus
from .selectors import (
    activities_visible_to,
    assessments_visible_to,
    goals_visible_to,
    growth_plans_visible_to,
    may_change_activity,
    outcomes_visible_to,
    pairings_visible_to,
    reviews_visible_to,
)
from .serializers import (
    ActivateSerializer,
    ActivitySerializer,
    AssessmentSerializer,
    CompleteSerializer,
    DissolveSerializer,
    GoalSerializer,
    GrowthPlanSerializer,
    OutcomeSerializer,
    PairingSerializer,
    RejectSerializer,
    ReviewSerializer,
)

ID = r"\d{1,19}"


def _enrolled_name(enrolment_field: str):
    # Without the enrolments' default ordering: one row by primary key needs no join to programs and no sort.
    return Enrolment.objects.filter(pk=OuterRef(enrolment_field)).order_by().values("person__full_name")[:1]


class PairingViewSet(RowsList, viewsets.ModelViewSet):
    """Pairings of the caller's programs. Status changes only through the actions below."""

    serializer_class = PairingSerializer
    filterset_class = PairingFilter
    permission_classes = [HRStaffWritesOnly]
    search_fields = ["mentor__person__full_name", "mentee__person__full_name"]
    ordering_fields = ["created_at", "start_date", "planned_end_date", "last_activity_date", "match_score", "id"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = ID

    def get_queryset(self):
        pairings = pairings_visible_to(self.request.user)
        if self.action == "list":
            # A list shows two names per row: annotations read as columns of the rows; as subqueries, so that
            # the page count leaves them out.
            pairings = pairings.select_related(None).annotate(
                mentor_name=Subquery(_enrolled_name("mentor_id")), mentee_name=Subquery(_enrolled_name("mentee_id"))
            )
        return pairings

    def perform_destroy(self, instance):
        # Only proposals can be deleted; a pairing that ran is history and ends by a transition.
        if instance.status != PairingStatus.PROPOSED:
            raise ValidationError({"status": [_("Only proposals can be deleted; end a pairing instead.")]})
        instance.delete()

    def transition(self, request, serializer_class, service):
        pairing = self.get_object()
        arguments = serializer_class(data=request.data)
        arguments.is_valid(raise_exception=True)
        service(pairing, by=request.user, **arguments.validated_data)
        pairing.refresh_from_db()
        return Response(PairingSerializer(pairing, context=self.get_serializer_context()).data)

    @extend_schema(request=ActivateSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Confirm a proposal: the pairing starts (today unless ``start_date``) if the mentor has room."""
        return self.transition(request, ActivateSerializer, services.activate_pairing)

    @extend_schema(request=CompleteSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """An active pairing ran its course."""
        return self.transition(request, CompleteSerializer, services.complete_pairing)

    @extend_schema(request=DissolveSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def dissolve(self, request, pk=None):
        """End an active pairing early; a reason is required."""
        return self.transition(request, DissolveSerializer, services.dissolve_pairing)

    @extend_schema(request=RejectSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Turn a proposal down; matching will not propose the pair again."""
        return self.transition(request, RejectSerializer, services.reject_pairing)


class GrowthPlanViewSet(viewsets.ModelViewSet):
    serializer_class = GrowthPlanSerializer
    filterset_class = GrowthPlanFilter
    permission_classes = [HRStaffWritesOnly]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = ID

    def get_queryset(self):
        return growth_plans_visible_to(self.request.user).prefetch_related("goals__competency")


class GoalViewSet(viewsets.ModelViewSet):
    serializer_class = GoalSerializer
    filterset_class = GoalFilter
    permission_classes = [HRStaffWritesOnly]
    search_fields = ["title"]
    ordering_fields = ["due_date", "progress", "id"]
    ordering = ["due_date", "id"]
    lookup_value_regex = ID

    def get_queryset(self):
        return goals_visible_to(self.request.user).select_related("competency")


class OwnActivitiesOrHRStaff(IsAuthenticated):
    """Everyone reads the activities of the pairings they see; a mentor or a mentee changes only their own."""

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or may_change_activity(request.user, obj)


class ActivityViewSet(viewsets.ModelViewSet):
    """Activities of visible pairings; mentors and mentees log their own, and change only what they logged."""

    serializer_class = ActivitySerializer
    permission_classes = [OwnActivitiesOrHRStaff]
    filterset_class = ActivityFilter
    search_fields = ["summary", "location", "reflection"]
    ordering_fields = ["date", "duration_minutes", "id"]
    ordering = ["-date", "-id"]
    lookup_value_regex = ID

    def get_queryset(self):
        return activities_visible_to(self.request.user).prefetch_related("dimension_rows", "cases")

    def perform_destroy(self, instance):
        services.delete_activity(instance)


class AssessmentViewSet(viewsets.ModelViewSet):
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    permission_classes = [HRStaffWritesOnly]
    ordering_fields = ["assessed_on", "id"]
    ordering = ["-assessed_on", "-id"]
    lookup_value_regex = ID

    def get_queryset(self):
        return assessments_visible_to(self.request.user).prefetch_related("scores__competency")


class ReviewViewSet(viewsets.ModelViewSet):
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    permission_classes = [HRStaffWritesOnly]
    ordering_fields = ["reviewed_on", "id"]
    ordering = ["reviewed_on", "id"]
    lookup_value_regex = ID

    def get_queryset(self):
        return reviews_visible_to(self.request.user).select_related("reviewer")


class OutcomeViewSet(viewsets.ModelViewSet):
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilter
    permission_classes = [HRStaffWritesOnly]
    search_fields = ["description", "person__full_name"]
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]
    lookup_value_regex = ID

    def get_queryset(self):
        return outcomes_visible_to(self.request.user)
