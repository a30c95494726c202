"""Organizations, accounts, people, competencies, programs and enrolments."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node


class OrganizationKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District / county")
    TOWNSHIP = "township", _("Township / street")
    VILLAGE = "village", _("Village / community")
    DEPARTMENT = "department", _("Department")
    STATION = "station", _("Station")
    UNIT = "unit", _("Unit")


class Organization(MP_Node):
    """A node of the organization tree; ``path`` makes a subtree one indexed prefix query."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=OrganizationKind.choices)

    # New nodes are appended, never sorted in: a node's path changes only when it is moved.
    steplen = 4

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def subtree_filter(self, field: str = "") -> Q:
        """A Q matching objects whose organization (at ``field``) is this node or below it."""
        prefix = f"{field}__" if field else ""
        return Q(**{f"{prefix}path__startswith": self.path})


class User(AbstractUser):
    """A login. HR staff carry an organization and see only its subtree."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("HR staff see this organization and everything below it."),
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("Language for e-mails and reminders.")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_hr_staff(self) -> bool:
        return self.organization_id is not None

    @property
    def preferred_language(self) -> str:
        return self.language or get_language() or "zh-hans"


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("Doctorate")
    MASTER = "master", _("Master's degree")
    BACHELOR = "bachelor", _("Bachelor's degree")
    COLLEGE = "college", _("Junior college")
    SECONDARY = "secondary", _("Secondary school or below")

    @classmethod
    def bachelor_or_more(cls) -> list[str]:
        return [cls.DOCTORATE, cls.MASTER, cls.BACHELOR]


class PersonCategory(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Civil servant")
    SELECTED_GRADUATE = "selected_graduate", _("Selected graduate")
    VILLAGE_COMMITTEE = "village_committee", _("Village committee member")
    INSTITUTION_STAFF = "institution_staff", _("Institution staff")
    OTHER = "other", _("Other")


class Rank(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    STAFF_4 = "staff_4", _("Fourth-level principal staff")
    STAFF_1 = "staff_1", _("First-level principal staff")
    SECTION_DEPUTY = "section_deputy", _("Deputy section chief")
    SECTION_CHIEF = "section_chief", _("Section chief")
    DIVISION_DEPUTY = "division_deputy", _("Deputy division chief")
    DIVISION_CHIEF = "division_chief", _("Division chief")
    NONE = "none", _("No rank")


class Person(models.Model):
    """A cadre: a mentor, a mentee, or both over the years."""

    full_name = models.CharField(_("full name"), max_length=100, db_index=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    education = models.CharField(_("education"), max_length=16, choices=Education.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="people"
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    rank = models.CharField(_("rank"), max_length=20, choices=Rank.choices, default=Rank.NONE)
    category = models.CharField(_("category"), max_length=24, choices=PersonCategory.choices)
    work_start_date = models.DateField(_("work start date"))
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    id_number = models.CharField(
        _("ID number"),
        max_length=32,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Identifies the person in imports."),
    )
    user = models.OneToOneField(
        User,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name", "id"]
        indexes = [
            models.Index(fields=["organization", "category"], name="person_org_category_idx"),
            models.Index(fields=["birth_date"], name="person_birth_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_start_date__gt=models.F("birth_date")),
                name="person_work_starts_after_birth",
                violation_error_message=_("Work start date must be after the birth date."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        if self.birth_date and self.birth_date > today:
            errors["birth_date"] = _("Birth date cannot be in the future.")
        if self.work_start_date and self.birth_date and self.work_start_date <= self.birth_date:
            errors["work_start_date"] = _("Work start date must be after the birth date.")
        if errors:
            raise ValidationError(errors)

    @property
    def age(self) -> int:
        return years_between(self.birth_date, timezone.localdate())

    @property
    def years_of_service(self) -> int:
        return years_between(self.work_start_date, timezone.localdate())


def years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


class Competency(models.Model):
    """An ability a program develops; the seven abilities are loaded by a data migration."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class PreviousPairPolicy(models.TextChoices):
    EXCLUDE = "exclude", _("Exclude people paired before")
    PENALISE = "penalise", _("Penalise people paired before")
    ALLOW = "allow", _("Allow people paired before")


MATCHING_CRITERIA = ("proximity", "fit", "seniority", "category")
DEFAULT_MATCHING_WEIGHTS = {"proximity": 0.35, "fit": 0.35, "seniority": 0.15, "category": 0.15}


def default_matching_weights() -> dict[str, float]:
    return dict(DEFAULT_MATCHING_WEIGHTS)


def validate_matching_weights(value: object) -> None:
    if not isinstance(value, dict):
        raise ValidationError(_("Matching weights must be an object of criterion to weight."))
    unknown = set(value) - set(MATCHING_CRITERIA)
    if unknown:
        raise ValidationError(
            _("Unknown matching criteria: %(names)s. Use %(allowed)s.")
            % {"names": ", ".join(sorted(map(str, unknown))), "allowed": ", ".join(MATCHING_CRITERIA)}
        )
    for name, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 100:
            raise ValidationError(_("Weight of %(name)s must be a number from 0 to 100.") % {"name": name})


class Program(models.Model):
    """A mentoring program run by an organization (e.g. 青蓝结对·导师帮带)."""

    name = models.CharField(_("name"), max_length=200)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="programs"
    )
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT)
    term_months = models.PositiveSmallIntegerField(
        _("pairing term (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    mentor_capacity = models.PositiveSmallIntegerField(
        _("default mentor capacity"), default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    cadence_days = models.PositiveSmallIntegerField(
        _("expected activity cadence (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    competencies = models.ManyToManyField(
        Competency, verbose_name=_("competencies"), blank=True, related_name="programs"
    )
    matching_weights = models.JSONField(
        _("matching weights"), default=default_matching_weights, validators=[validate_matching_weights]
    )
    require_same_district = models.BooleanField(_("only match within the same district"), default=False)
    previous_pair_policy = models.CharField(
        _("people paired before"),
        max_length=10,
        choices=PreviousPairPolicy.choices,
        default=PreviousPairPolicy.PENALISE,
    )
    min_match_score = models.FloatField(
        _("minimum match score"), default=0.3, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="program_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(condition=Q(mentor_capacity__gte=1), name="program_capacity_positive"),
            models.CheckConstraint(condition=Q(term_months__gte=1), name="program_term_positive"),
            models.CheckConstraint(condition=Q(cadence_days__gte=1), name="program_cadence_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})

    @property
    def weights(self) -> dict[str, float]:
        return {**DEFAULT_MATCHING_WEIGHTS, **(self.matching_weights or {})}


class Role(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    MENTEE = "mentee", _("Mentee")


class EnrolmentCategory(models.TextChoices):
    # Mentee kinds (Huzhou implementation opinion, 2020)
    NEW_ENTRANT = "new_entrant", _("New entrant straight from school")
    NEW_VILLAGE_LEADER = "new_village_leader", _("New village secretary or team member")
    FRONTLINE_TRAINEE = "frontline_trainee", _("Young cadre in front-line training")
    ORGAN_CADRE = "organ_cadre", _("Organ cadre sent down")
    SELECTED_GRADUATE = "selected_graduate", _("Selected graduate")
    # Mentor kinds
    TOWNSHIP_VETERAN = "township_veteran", _("Township veteran (20 years' experience)")
    OLD_VILLAGE_SECRETARY = "old_village_secretary", _("Respected old village secretary")
    GOVERNANCE_MASTER = "governance_master", _("Village-governance master")
    REVITALISATION_LEADER = "revitalisation_leader", _("Rural revitalisation leader")
    COUNTY_LEADER = "county_leader", _("County-level leader")
    BUSINESS_BACKBONE = "business_backbone", _("Business backbone")
    OTHER = "other", _("Other")


MENTEE_CATEGORIES = (
    EnrolmentCategory.NEW_ENTRANT,
    EnrolmentCategory.NEW_VILLAGE_LEADER,
    EnrolmentCategory.FRONTLINE_TRAINEE,
    EnrolmentCategory.ORGAN_CADRE,
    EnrolmentCategory.SELECTED_GRADUATE,
    EnrolmentCategory.OTHER,
)
MENTOR_CATEGORIES = (
    EnrolmentCategory.TOWNSHIP_VETERAN,
    EnrolmentCategory.OLD_VILLAGE_SECRETARY,
    EnrolmentCategory.GOVERNANCE_MASTER,
    EnrolmentCategory.REVITALISATION_LEADER,
    EnrolmentCategory.COUNTY_LEADER,
    EnrolmentCategory.BUSINESS_BACKBONE,
    EnrolmentCategory.OTHER,
)


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FINISHED = "finished", _("Finished")


class Enrolment(models.Model):
    """A person taking part in a program as mentor or mentee; one role per person per program."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="enrolments")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    category = models.CharField(
        _("category"), max_length=24, choices=EnrolmentCategory.choices, default=EnrolmentCategory.OTHER
    )
    capacity = models.PositiveSmallIntegerField(
        _("mentor capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Leave empty to use the program's default."),
    )
    strengths = models.ManyToManyField(Competency, verbose_name=_("strengths"), blank=True, related_name="+")
    needs = models.ManyToManyField(Competency, verbose_name=_("needs"), blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    enrolled_on = models.DateField(_("enrolled on"), default=timezone.localdate)

    history = HistoricalRecords(m2m_fields=[strengths, needs])

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["program", "role", "person__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "person"],
                name="enrolment_one_role_per_program",
                violation_error_message=_("This person is already enrolled in this program."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | (Q(role="mentor") & Q(capacity__gte=1)),
                name="enrolment_capacity_only_for_mentors",
                violation_error_message=_("Only mentors have a capacity, and it must be at least 1."),
            ),
        ]
        indexes = [models.Index(fields=["program", "role", "status"], name="enrolment_program_role_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.role == Role.MENTEE and self.capacity is not None:
            raise ValidationError({"capacity": _("Only mentors have a capacity.")})

    @property
    def effective_capacity(self) -> int:
        return self.capacity or self.program.mentor_capacity
