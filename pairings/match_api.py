"""REST endpoints of precise matching: start runs on a program, follow them, review their proposals."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from mentorship.api import HRStaffOnly
from mentorship.pagination import PageNumberPagination
from programs.models import MATCHING_CRITERIA, validate_matching_weights
from programs.selectors import programs_visible_to

from .matching import runs
from .matching.scoring import describe
from .matching.selectors import match_runs_visible_to, proposals_of
from .models import MatchObjective, MatchRun, Pairing, PairingStatus

ID = r"\d{1,19}"
BIGGEST_ID = 2**63 - 1


class MatchRunSerializer(serializers.ModelSerializer):
    objective_display = serializers.CharField(source="get_objective_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    started_by = serializers.CharField(source="started_by.username", read_only=True, default=None)
    unmatched_reasons = serializers.SerializerMethodField()

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "program",
            "objective",
            "objective_display",
            "weights",
            "status",
            "status_display",
            "progress",
            "stats",
            "timings",
            "unmatched_reasons",
            "error",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_unmatched_reasons(self, run: MatchRun) -> dict[str, str]:
        """Each unmatched reason code in words, for the counts in ``stats``."""
        return {code: runs.unmatched_reason_label(code) for code in (run.stats or {}).get("unmatched_by_reason", {})}


class StartMatchRunSerializer(serializers.Serializer):
    objective = serializers.ChoiceField(choices=MatchObjective.choices, default=MatchObjective.PARTICIPATION)
    weights = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=100),
        required=False,
        help_text=gettext_lazy("Weights of %(criteria)s for this run; missing ones come from the program.")
        % {"criteria": ", ".join(MATCHING_CRITERIA)},
    )

    def validate_weights(self, value):
        try:
            validate_matching_weights(value)
        except Exception as exc:  # Django's ValidationError: its messages become the field's.
            raise ValidationError(getattr(exc, "messages", [str(exc)])) from exc
        return value


class ProposalSerializer(serializers.ModelSerializer):
    mentor_name = serializers.CharField(source="mentor.person.full_name", read_only=True)
    mentee_name = serializers.CharField(source="mentee.person.full_name", read_only=True)
    mentor_organization = serializers.CharField(source="mentor.person.organization.name", read_only=True)
    mentee_organization = serializers.CharField(source="mentee.person.organization.name", read_only=True)
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = Pairing
        fields = [
            "id",
            "mentor",
            "mentor_name",
            "mentor_organization",
            "mentee",
            "mentee_name",
            "mentee_organization",
            "status",
            "match_score",
            "is_pinned",
            "explanation",
        ]
        read_only_fields = fields

    def get_explanation(self, pairing: Pairing) -> list[dict]:
        """Per criterion: ``criterion``, ``label``, ``text``, ``value``, ``weight`` and ``contribution``."""
        return describe(pairing.match_explanation, self.context.get("competency_names"))


class ProposalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PairingStatus.choices)
    min_score = django_filters.NumberFilter(field_name="match_score", lookup_expr="gte", min_value=0, max_value=1)
    max_score = django_filters.NumberFilter(field_name="match_score", lookup_expr="lte", min_value=0, max_value=1)
    mentor = django_filters.NumberFilter(field_name="mentor_id", min_value=1, max_value=BIGGEST_ID, decimal_places=0)
    mentee = django_filters.NumberFilter(field_name="mentee_id", min_value=1, max_value=BIGGEST_ID, decimal_places=0)
    search = django_filters.CharFilter(method="search_names", max_length=100)

    class Meta:
        model = Pairing
        fields = ["status", "min_score", "max_score", "mentor", "mentee", "search"]

    def search_names(self, queryset, name, value):
        value = value.replace("\x00", "")
        return queryset.filter(
            Q(mentor__person__full_name__icontains=value) | Q(mentee__person__full_name__icontains=value)
        )


class MatchRunDetailSerializer(MatchRunSerializer):
    proposals = serializers.SerializerMethodField()

    class Meta(MatchRunSerializer.Meta):
        fields = [*MatchRunSerializer.Meta.fields, "proposals"]
        read_only_fields = fields

    def get_proposals(self, run: MatchRun) -> dict:
        """A page of the run's proposals, best score first, filtered by the query parameters."""
        return self.context["proposals"]


class ProposalReviewSerializer(serializers.Serializer):
    pairings = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGGEST_ID), required=False, max_length=50_000
    )
    all = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2_000, default="")

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("pairings"):
            raise ValidationError({"pairings": [_("List the proposals, or send all: true.")]})
        if attrs.get("all") and attrs.get("pairings"):
            raise ValidationError({"all": [_("Send either a list of proposals or all: true, not both.")]})
        return attrs


ReviewResultSerializer = inline_serializer(
    "MatchReviewResult",
    fields={
        "done": serializers.ListField(child=serializers.IntegerField()),
        "failed": serializers.ListField(
            child=inline_serializer(
                "MatchReviewFailure", fields={"pairing": serializers.IntegerField(), "reason": serializers.CharField()}
            )
        ),
    },
)


class ProgramMatchRunViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """``programs/{program}/match-runs/``: the program's runs, newest first; POST starts one."""

    serializer_class = MatchRunSerializer
    permission_classes = [HRStaffOnly]
    filter_backends = []
    lookup_value_regex = ID

    def get_program(self):
        return get_object_or_404(programs_visible_to(self.request.user), pk=self.kwargs["program_pk"])

    def get_queryset(self):
        return match_runs_visible_to(self.request.user).filter(program=self.get_program())

    @extend_schema(request=StartMatchRunSerializer, responses={202: MatchRunSerializer})
    def create(self, request, *args, **kwargs):
        """Start a match run; it answers at once and the run goes on in the background."""
        program = self.get_program()
        options = StartMatchRunSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        run = runs.start_match_run(program, by=request.user, **options.validated_data)
        return Response(MatchRunSerializer(run, context=self.get_serializer_context()).data, status.HTTP_202_ACCEPTED)


class MatchRunViewSet(viewsets.ReadOnlyModelViewSet):
    """``match-runs/``: runs of the caller's programs; a run's page of proposals; accept and reject."""

    serializer_class = MatchRunSerializer
    permission_classes = [HRStaffOnly]
    filter_backends = []
    lookup_value_regex = ID

    def get_queryset(self):
        return match_runs_visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=PairingStatus.values),
            OpenApiParameter("min_score", OpenApiTypes.FLOAT),
            OpenApiParameter("max_score", OpenApiTypes.FLOAT),
            OpenApiParameter("mentor", OpenApiTypes.INT),
            OpenApiParameter("mentee", OpenApiTypes.INT),
            OpenApiParameter("search", OpenApiTypes.STR),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses=MatchRunDetailSerializer,
    )
    def retrieve(self, request, *args, **kwargs):
        """Status, progress, statistics, timings and a page of proposals (best score first, filterable)."""
        run = self.get_object()
        found = ProposalFilter(request.query_params, queryset=proposals_of(run), request=request)
        if not found.is_valid():
            raise ValidationError(found.errors)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(found.qs, request, view=self)
        context = self.get_serializer_context() | {"competency_names": runs.competency_names()}
        results = ProposalSerializer(page, many=True, context=context).data
        context["proposals"] = {
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": results,
        }
        return Response(MatchRunDetailSerializer(run, context=context).data)

    def _review(self, request, service, *, allow_all: bool):
        run = self.get_object()
        review = ProposalReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        data = review.validated_data
        if data["all"] and not allow_all:
            raise ValidationError({"all": [_("Rejecting needs a list of proposals.")]})
        ids = "all" if data["all"] else data["pairings"]
        options = {"reason": data["reason"]} if service is runs.reject_proposals else {}
        result = service(run, ids, by=request.user, **options)
        return Response({"done": result.done, "failed": result.failed})

    @extend_schema(request=ProposalReviewSerializer, responses=ReviewResultSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept listed proposals or all of them, best score first; those no longer possible are reported."""
        return self._review(request, runs.accept_proposals, allow_all=True)

    @extend_schema(request=ProposalReviewSerializer, responses=ReviewResultSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject listed proposals; later runs will not propose those pairs again."""
        return self._review(request, runs.reject_proposals, allow_all=False)
