"""Pairings and their life: growth plans, goals, activities, assessments, reviews, outcomes, match runs."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programs.models import Competency, Enrolment, Person, Program


class PairingStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    DISSOLVED = "dissolved", _("Dissolved")
    REJECTED = "rejected", _("Rejected")


class MatchObjective(models.TextChoices):
    PARTICIPATION = "participation", _("Highest participation")
    SCORE = "score", _("Highest total score")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class MatchRun(models.Model):
    """A run of the matching engine over a program; its proposals are pairings with this run."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="match_runs")
    objective = models.CharField(
        _("objective"), max_length=16, choices=MatchObjective.choices, default=MatchObjective.PARTICIPATION
    )
    weights = models.JSONField(_("weights"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0, validators=[MaxValueValidator(100)])
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    timings = models.JSONField(_("timings"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.program} · {self.created_at:%Y-%m-%d %H:%M}"


def silent_since(pairing_prefix: str = "") -> Coalesce:
    """The date a pairing was last heard of: its latest activity, or its start. Inactivity filters,
    reminders and dashboards all compare this; an index of active pairings holds it."""
    return Coalesce(f"{pairing_prefix}last_activity_date", f"{pairing_prefix}start_date")


class Pairing(models.Model):
    """A mentor and a mentee of one program; moves proposed → active → completed | dissolved, or proposed → rejected."""

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="pairings")
    mentor = models.ForeignKey(
        Enrolment, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="pairings_as_mentor"
    )
    mentee = models.ForeignKey(
        Enrolment, verbose_name=_("mentee"), on_delete=models.PROTECT, related_name="pairings_as_mentee"
    )
    status = models.CharField(_("status"), max_length=10, choices=PairingStatus.choices, default=PairingStatus.PROPOSED)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    planned_end_date = models.DateField(_("planned end date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.TextField(_("end reason"), blank=True)
    match_score = models.FloatField(_("match score"), null=True, blank=True)
    match_explanation = models.JSONField(_("match explanation"), default=list, blank=True)
    match_run = models.ForeignKey(
        MatchRun,
        verbose_name=_("match run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    is_pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("Pinned proposals are kept by later match runs.")
    )
    pledge_signed_on = models.DateField(_("pledge signed on"), null=True, blank=True)
    # Kept by the activity service so supervision lists need no aggregate over activities.
    last_activity_date = models.DateField(_("last activity date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(status="active"),
                name="pairing_one_active_per_mentee",
                violation_error_message=_("This mentee already has an active pairing in this program."),
            ),
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=Q(status__in=["proposed", "active"]),
                name="pairing_open_pair_unique",
                violation_error_message=_("This mentor and mentee are already paired or proposed."),
            ),
            models.CheckConstraint(
                condition=~Q(mentor=models.F("mentee")),
                name="pairing_not_self",
                violation_error_message=_("Nobody can mentor themself."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(planned_end_date__gte=models.F("start_date")),
                name="pairing_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="pairing_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"], name="pairing_program_status_idx"),
            # Lists show the newest pairings first: a LIMIT walks these instead of sorting a whole program.
            models.Index(fields=["program", "-created_at", "-id"], name="pairing_program_recent_idx"),
            models.Index(fields=["-created_at", "-id"], name="pairing_recent_idx"),
            models.Index(fields=["mentor", "status"], name="pairing_mentor_status_idx"),
            models.Index(fields=["status", "last_activity_date"], name="pairing_status_last_act_idx"),
            # Silent pairs: active ones last heard of before a date.
            models.Index(silent_since(), condition=Q(status="active"), name="pairing_active_silent_idx"),
            models.Index(fields=["status", "planned_end_date"], name="pairing_status_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor.person} → {self.mentee.person}"


class GrowthPlan(models.Model):
    """The learning and growth plan (学习成长计划) of a pairing."""

    pairing = models.OneToOneField(
        Pairing, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="growth_plan"
    )
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("growth plan")
        verbose_name_plural = _("growth plans")

    def __str__(self) -> str:
        return str(_("Growth plan of %(pairing)s") % {"pairing": self.pairing})


class GoalStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class Goal(models.Model):
    plan = models.ForeignKey(GrowthPlan, verbose_name=_("growth plan"), on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("title"), max_length=200)
    competency = models.ForeignKey(
        Competency, verbose_name=_("competency"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.PLANNED)
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=100), name="goal_progress_percent"),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="goal_status_due_idx")]

    def __str__(self) -> str:
        return self.title


class Method(models.TextChoices):
    """The six mentoring methods (帮带六法) of the Shangshu work standard."""

    ASSIGNMENT = "assignment", _("Set assignments")
    ONSITE_TEACHING = "onsite_teaching", _("On-site teaching")
    HANDS_OFF_PRACTICE = "hands_off_practice", _("Hands-off practice")
    SCENARIO_SIMULATION = "scenario_simulation", _("Scenario simulation")
    CASE_DISSECTION = "case_dissection", _("Case dissection")
    REVIEW_IMPROVEMENT = "review_improvement", _("Review and improvement")
    OTHER = "other", _("Other")


class Dimension(models.TextChoices):
    """The five kinds of guidance (五导) of the Xian'an procuratorate."""

    THEORY = "theory", _("Theory study")
    EXPERIENCE = "experience", _("Experience and methods")
    STYLE = "style", _("Ideological style")
    CAREER = "career", _("Career guidance")
    DAILY = "daily", _("Daily management")


class Activity(models.Model):
    """A mentoring session or piece of work the pair did together."""

    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="activities")
    date = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    summary = models.TextField(_("summary"))
    reflection = models.TextField(_("mentee reflection"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["pairing", "-date"], name="activity_pairing_date_idx"),
            models.Index(fields=["date"], name="activity_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=24 * 60),
                name="activity_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} · {self.get_method_display()}"


class ActivityDimension(models.Model):
    """One guidance dimension an activity covered; a row each so reports group by it in SQL."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="dimension_rows")
    dimension = models.CharField(_("guidance dimension"), max_length=12, choices=Dimension.choices)

    class Meta:
        verbose_name = _("guidance dimension")
        verbose_name_plural = _("guidance dimensions")
        constraints = [
            models.UniqueConstraint(fields=["activity", "dimension"], name="activity_dimension_unique"),
        ]

    def __str__(self) -> str:
        return self.get_dimension_display()


class CaseKind(models.TextChoices):
    DISPUTE_MEDIATION = "dispute_mediation", _("Dispute mediation")
    PROJECT_COORDINATION = "project_coordination", _("Project coordination")
    EMERGENCY_RESPONSE = "emergency_response", _("Emergency response")
    PETITION_HANDLING = "petition_handling", _("Petition handling")
    OTHER = "other", _("Other")


class PracticeCase(models.Model):
    """A real case the mentee handled during an activity (事上练)."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="cases")
    kind = models.CharField(_("kind"), max_length=24, choices=CaseKind.choices)
    description = models.TextField(_("description"))
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("practice case")
        verbose_name_plural = _("practice cases")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class AssessorRole(models.TextChoices):
    MENTOR = "mentor", _("Mentor")
    SELF = "self", _("Self")
    ORGANIZATION = "organization", _("Organization")


class Assessment(models.Model):
    """A 1–5 score per competency for a mentee on a date; growth is read across these."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="assessments")
    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), null=True, blank=True, on_delete=models.SET_NULL, related_name="assessments"
    )
    assessed_on = models.DateField(_("assessed on"))
    assessor_role = models.CharField(_("assessor"), max_length=12, choices=AssessorRole.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["person", "assessed_on"], name="assessment_person_date_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.assessed_on}"


class CompetencyScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    competency = models.ForeignKey(Competency, verbose_name=_("competency"), on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(1), MaxValueValidator(5)])

    class Meta:
        verbose_name = _("competency score")
        verbose_name_plural = _("competency scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "competency"], name="score_one_per_competency"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="score_one_to_five"),
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.score}"


class ReviewStage(models.TextChoices):
    MIDTERM = "midterm", _("Midterm")
    FINAL = "final", _("Final")


class Rating(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Review(models.Model):
    """How the organization judged a pairing at midterm or at the end."""

    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("stage"), max_length=8, choices=ReviewStage.choices)
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)
    comments = models.TextField(_("comments"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_on = models.DateField(_("reviewed on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["reviewed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "stage"],
                name="review_one_per_stage",
                violation_error_message=_("This pairing already has a review for that stage."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} · {self.get_stage_display()}"


class OutcomeKind(models.TextChoices):
    PROMOTED_LEADERSHIP = "promoted_leadership", _("Promoted into leadership team")
    PROMOTED = "promoted", _("Promoted")
    RANK_PROMOTION = "rank_promotion", _("Rank promotion")
    FRONTLINE_SECONDMENT = "frontline_secondment", _("Front-line secondment")
    COMMENDATION = "commendation", _("Commendation")
    BECAME_MENTOR = "became_mentor", _("Became a mentor")
    OTHER = "other", _("Other")


class Outcome(models.Model):
    """A career event of a person, counted as a result of mentoring."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="outcomes")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=24, choices=OutcomeKind.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["kind", "date"], name="outcome_kind_date_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_kind_display()}"
