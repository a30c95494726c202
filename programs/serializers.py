"""API shapes of organizations, people, competencies, programs and enrolments (SPEC §6)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mentorship.api import CharField, ModelSerializer, ScopedPrimaryKeyRelatedField, ScopedSlugRelatedField

from .models import (
    MATCHING_CRITERIA,
    Competency,
    Enrolment,
    Organization,
    Person,
    Program,
    Role,
    validate_matching_weights,
)
from .selectors import competencies, organizations_visible_to, people_visible_to, programs_visible_to


def all_competencies(user):
    return competencies()


class OrganizationSerializer(ModelSerializer):
    parent = ScopedPrimaryKeyRelatedField(
        scope=organizations_visible_to,
        queryset=Organization.objects.all(),
        required=False,
        allow_null=True,
        help_text="The parent organization; only superusers create top-level organizations.",
    )

    class Meta:
        model = Organization
        fields = ["id", "name", "code", "kind", "parent"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["parent"] = getattr(instance, "parent_id", None)
        return data

    def validate(self, attrs):
        request = self.context["request"]
        parent = attrs.get("parent")
        if self.instance is None and parent is None and not request.user.is_superuser:
            raise serializers.ValidationError({"parent": [_("Choose the organization this one belongs to.")]})
        if self.instance is not None and parent is not None and parent.path.startswith(self.instance.path):
            raise serializers.ValidationError({"parent": [_("An organization cannot move below itself.")]})
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        parent = validated_data.pop("parent", None)
        if parent is None:
            node = Organization.objects.add_root(create_kwargs=validated_data)
        else:
            node = Organization.objects.add_child(parent, create_kwargs=validated_data)
        node.parent_id = parent.pk if parent else None
        return node

    @transaction.atomic
    def update(self, instance, validated_data):
        parent = validated_data.pop("parent", None) if "parent" in validated_data else False
        for field, value in validated_data.items():
            setattr(instance, field, value)
        instance.save()
        if parent is not False and parent is not None and parent.pk != getattr(instance, "parent_id", None):
            instance.move(parent, "last-child")
            instance.refresh_from_db()
            instance.parent_id = parent.pk
        return instance


class PersonSerializer(ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(scope=organizations_visible_to, queryset=Organization.objects.all())
    age = serializers.IntegerField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "full_name",
            "gender",
            "birth_date",
            "education",
            "organization",
            "position",
            "rank",
            "category",
            "work_start_date",
            "email",
            "phone",
            "id_number",
            "is_active",
            "age",
        ]
        extra_kwargs = {"id_number": {"required": False}}

    def validate_birth_date(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("Birth date cannot be in the future."))
        return value

    def validate(self, attrs):
        birth = attrs.get("birth_date", getattr(self.instance, "birth_date", None))
        start = attrs.get("work_start_date", getattr(self.instance, "work_start_date", None))
        if birth and start and start <= birth:
            raise serializers.ValidationError({"work_start_date": [_("Work start date must be after the birth date.")]})
        return attrs


class CompetencySerializer(ModelSerializer):
    name = CharField(read_only=True)

    class Meta:
        model = Competency
        fields = ["id", "code", "name"]


def competency_codes():
    return ScopedSlugRelatedField(
        scope=all_competencies, queryset=Competency.objects.all(), slug_field="code", many=True, required=False
    )


@extend_schema_field(
    {
        "type": "object",
        "properties": {name: {"type": "number", "minimum": 0, "maximum": 100} for name in MATCHING_CRITERIA},
        "additionalProperties": False,
    }
)
class WeightsField(serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            validate_matching_weights(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value


class ProgramSerializer(ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(scope=organizations_visible_to, queryset=Organization.objects.all())
    competencies = competency_codes()
    matching_weights = WeightsField(required=False)

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "organization",
            "description",
            "start_date",
            "end_date",
            "status",
            "term_months",
            "mentor_capacity",
            "cadence_days",
            "competencies",
            "matching_weights",
            "min_match_score",
            "require_same_district",
            "previous_pair_policy",
        ]

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": [_("The end date cannot be before the start date.")]})
        return attrs


class EnrolmentSerializer(ModelSerializer):
    program = ScopedPrimaryKeyRelatedField(scope=programs_visible_to, queryset=Program.objects.all())
    person = ScopedPrimaryKeyRelatedField(scope=people_visible_to, queryset=Person.objects.all())
    strengths = competency_codes()
    needs = competency_codes()

    class Meta:
        model = Enrolment
        fields = ["id", "program", "person", "role", "category", "capacity", "strengths", "needs", "status"]
        # The one-role-per-program rule is checked in validate() with a message HR understands.
        validators = []

    def validate(self, attrs):
        role = attrs.get("role", getattr(self.instance, "role", None))
        capacity = attrs.get("capacity", getattr(self.instance, "capacity", None))
        program = attrs.get("program", getattr(self.instance, "program", None))
        person = attrs.get("person", getattr(self.instance, "person", None))
        errors = {}
        if role == Role.MENTEE and capacity is not None:
            errors["capacity"] = [_("Only mentors have a capacity.")]
        if self.instance is not None and "program" in attrs and attrs["program"] != self.instance.program:
            errors["program"] = [_("An enrolment cannot move to another program.")]
        duplicate = Enrolment.objects.filter(program=program, person=person)
        if self.instance is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if program and person and duplicate.exists():
            errors["person"] = [_("This person is already enrolled in this program.")]
        allowed = {c.code for c in program.competencies.all()} if program else set()
        for field in ("strengths", "needs"):
            chosen = {c.code for c in attrs.get(field, [])}
            if allowed and chosen - allowed:
                errors[field] = [
                    _("These abilities are not part of the program: %(codes)s.")
                    % {"codes": ", ".join(sorted(chosen - allowed))}
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
