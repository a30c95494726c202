"""API shapes of pairings and what happens in them (SPEC §6). Writes with rules call pairings.services."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mentorship.api import CharField, ModelSerializer, ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField
from programs.models import Competency, Enrolment, Person
from programs.selectors import enrolments_visible_to, people_visible_to
from programs.serializers import all_competencies

from . import services
from .models import (
    Activity,
    Assessment,
    CaseKind,
    Dimension,
    Goal,
    GrowthPlan,
    Outcome,
    Pairing,
    PairingStatus,
    PracticeCase,
    Review,
)
from .selectors import growth_plans_visible_to, pairings_visible_to


def competency_code(**kwargs):
    return ScopedSlugRelatedField(
        scope=all_competencies, queryset=Competency.objects.all(), slug_field="code", **kwargs
    )


def pairing_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(scope=pairings_visible_to, queryset=Pairing.objects.all(), **kwargs)


def not_in_future(value, message):
    if value and value > timezone.localdate():
        raise serializers.ValidationError(message)
    return value


@extend_schema_field(OpenApiTypes.STR)
class PersonNameField(serializers.ReadOnlyField):
    """The mentor's or mentee's name: the list's annotation when there is one, else read through the enrolment."""

    def __init__(self, role: str, **kwargs):
        self.role = role
        self.row_column = f"{role}_name"
        super().__init__(source="*", **kwargs)

    def to_representation(self, pairing):
        annotated = getattr(pairing, self.row_column, None)
        return annotated if annotated is not None else getattr(pairing, self.role).person.full_name


class PairingSerializer(ModelSerializer):
    mentor = ScopedPrimaryKeyRelatedField(scope=enrolments_visible_to, queryset=Enrolment.objects.all())
    mentee = ScopedPrimaryKeyRelatedField(scope=enrolments_visible_to, queryset=Enrolment.objects.all())
    mentor_name = PersonNameField("mentor")
    mentee_name = PersonNameField("mentee")
    match_explanation = serializers.JSONField(read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "program",
            "mentor",
            "mentee",
            "mentor_name",
            "mentee_name",
            "status",
            "start_date",
            "planned_end_date",
            "end_date",
            "end_reason",
            "match_score",
            "match_explanation",
            "match_run",
            "is_pinned",
            "pledge_signed_on",
            "last_activity_date",
        ]
        read_only_fields = [
            "program",
            "status",
            "start_date",
            "end_date",
            "end_reason",
            "match_score",
            "match_run",
            "last_activity_date",
        ]
        validators = []

    def validate(self, attrs):
        if self.instance is not None:
            for field in ("mentor", "mentee"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError({field: [_("Pair other people in a new pairing.")]})
            start = self.instance.start_date
            planned = attrs.get("planned_end_date")
            if planned and start and planned < start:
                raise serializers.ValidationError(
                    {"planned_end_date": [_("The end date cannot be before the start date.")]}
                )
        return attrs

    def create(self, validated_data):
        pairing = services.propose_pairing(
            mentor=validated_data["mentor"],
            mentee=validated_data["mentee"],
            by=self.context["request"].user,
            pinned=validated_data.get("is_pinned", False),
        )
        if validated_data.get("pledge_signed_on") or validated_data.get("planned_end_date"):
            return self.update(pairing, validated_data)
        return pairing


class ActivateSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False)


class CompleteSerializer(serializers.Serializer):
    end_date = serializers.DateField(required=False)
    reason = CharField(required=False, allow_blank=True, max_length=2000, default="")


class DissolveSerializer(serializers.Serializer):
    reason = CharField(max_length=2000)
    end_date = serializers.DateField(required=False)


class RejectSerializer(serializers.Serializer):
    reason = CharField(required=False, allow_blank=True, max_length=2000, default="")


class GoalSerializer(ModelSerializer):
    plan = ScopedPrimaryKeyRelatedField(scope=growth_plans_visible_to, queryset=GrowthPlan.objects.all())
    competency = competency_code(required=False, allow_null=True)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)

    class Meta:
        model = Goal
        fields = ["id", "plan", "title", "competency", "due_date", "status", "progress"]


class GrowthPlanSerializer(ModelSerializer):
    pairing = pairing_field()
    goals = GoalSerializer(many=True, read_only=True)

    class Meta:
        model = GrowthPlan
        fields = ["id", "pairing", "summary", "goals"]
        validators = []

    def validate_pairing(self, pairing):
        taken = GrowthPlan.objects.filter(pairing=pairing)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(_("This pairing already has a growth plan."))
        return pairing


class CaseSerializer(ModelSerializer):
    kind = serializers.ChoiceField(choices=CaseKind.choices)

    class Meta:
        model = PracticeCase
        fields = ["kind", "description", "outcome"]

    def validate(self, attrs):
        # A PATCH of an activity replaces its cases whole: each case needs every required field even then
        # (DRF would otherwise let a partial update skip them).
        missing = [name for name, field in self.fields.items() if field.required and name not in attrs]
        if missing:
            raise serializers.ValidationError({name: [_("This field is required.")] for name in missing})
        return attrs


class ActivitySerializer(ModelSerializer):
    pairing = pairing_field()
    dimensions = serializers.ListField(
        child=serializers.ChoiceField(choices=Dimension.choices), required=False, max_length=len(Dimension.choices)
    )
    cases = CaseSerializer(many=True, required=False)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False)

    class Meta:
        model = Activity
        fields = [
            "id",
            "pairing",
            "date",
            "method",
            "dimensions",
            "duration_minutes",
            "location",
            "summary",
            "reflection",
            "cases",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["dimensions"] = [row.dimension for row in instance.dimension_rows.all()]
        return data

    def validate(self, attrs):
        if self.instance is not None and "pairing" in attrs and attrs["pairing"] != self.instance.pairing:
            raise serializers.ValidationError({"pairing": [_("An activity cannot move to another pairing.")]})
        return attrs

    def create(self, validated_data):
        pairing = validated_data.pop("pairing")
        return services.log_activity(pairing, by=self.context["request"].user, **validated_data)

    @transaction.atomic
    def update(self, instance, validated_data):
        dimensions = validated_data.pop("dimensions", None)
        cases = validated_data.pop("cases", None)
        validated_data.pop("pairing", None)
        day = validated_data.get("date", instance.date)
        if day > timezone.localdate():
            raise serializers.ValidationError({"date": [_("The activity date cannot be in the future.")]})
        for field, value in validated_data.items():
            setattr(instance, field, value)
        instance.save()
        services.set_activity_details(instance, dimensions=dimensions, cases=cases)
        return instance


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 5},
        "example": {"political": 3, "mass_work": 4},
    }
)
class ScoresField(serializers.Field):
    """Scores as ``{competency_code: 1..5}``."""

    def to_representation(self, scores):
        return {row.competency.code: row.score for row in scores.all()}

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Give scores as an object of ability code to score."))
        return data


class AssessmentSerializer(ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(scope=people_visible_to, queryset=Person.objects.all())
    pairing = pairing_field(required=False, allow_null=True)
    scores = ScoresField()

    class Meta:
        model = Assessment
        fields = ["id", "person", "pairing", "assessed_on", "assessor_role", "scores", "comment"]

    def save_assessment(self, validated_data, assessment=None):
        current = assessment
        return services.record_assessment(
            person=validated_data.get("person", getattr(current, "person", None)),
            by=self.context["request"].user,
            assessed_on=validated_data.get("assessed_on", getattr(current, "assessed_on", None)),
            assessor_role=validated_data.get("assessor_role", getattr(current, "assessor_role", None)),
            scores=validated_data.get(
                "scores", self.fields["scores"].to_representation(current.scores) if current else {}
            ),
            pairing=validated_data.get("pairing", getattr(current, "pairing", None)),
            comment=validated_data.get("comment", getattr(current, "comment", "")),
            assessment=assessment,
        )

    def create(self, validated_data):
        return self.save_assessment(validated_data)

    def update(self, instance, validated_data):
        return self.save_assessment(validated_data, instance)


class ReviewSerializer(ModelSerializer):
    pairing = pairing_field()
    reviewer = serializers.StringRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Review
        fields = ["id", "pairing", "stage", "rating", "comments", "reviewed_on", "reviewer"]
        validators = []

    def validate(self, attrs):
        pairing = attrs.get("pairing", getattr(self.instance, "pairing", None))
        stage = attrs.get("stage", getattr(self.instance, "stage", None))
        reviewed_on = attrs.get("reviewed_on")
        errors = {}
        if pairing is not None and pairing.status in (PairingStatus.PROPOSED, PairingStatus.REJECTED):
            errors["pairing"] = [_("Only pairings that have started can be reviewed.")]
        taken = Review.objects.filter(pairing=pairing, stage=stage)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if pairing is not None and taken.exists():
            errors["stage"] = [_("This pairing already has a review for that stage.")]
        if reviewed_on and reviewed_on > timezone.localdate():
            errors["reviewed_on"] = [_("The review date cannot be in the future.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data):
        return Review.objects.create(reviewer=self.context["request"].user, **validated_data)


class OutcomeSerializer(ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(scope=people_visible_to, queryset=Person.objects.all())

    class Meta:
        model = Outcome
        fields = ["id", "person", "date", "kind", "description"]

    def validate_date(self, value):
        return not_in_future(value, _("The outcome date cannot be in the future."))
