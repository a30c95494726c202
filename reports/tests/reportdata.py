"""Generated report data shared by the report tests: one program with pairs in every state."""

from datetime import date

from pairings.models import (
    ActivityDimension,
    CompetencyScore,
    Dimension,
    GoalStatus,
    Method,
    OutcomeKind,
    PairingStatus,
)
from pairings.tests.factories import (
    ActivityFactory,
    AssessmentFactory,
    GoalFactory,
    GrowthPlanFactory,
    OutcomeFactory,
    PairingFactory,
)
from programs.models import Competency, Education
from programs.tests.factories import (
    EnrolmentFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
)


def build_program(organization):
    """Two townships; a mentor with two mentees, one with one; a completed and a dissolved pair; activity, goals,
    assessments and outcomes, including a name that looks like a spreadsheet formula."""
    east = OrganizationFactory(parent=organization, name="双溪桥镇", code="SXQ")
    west = OrganizationFactory(parent=organization, name="=HYPERLINK(1)", code="WEST")
    program = ProgramFactory(organization=organization, name="青蓝结对", cadence_days=30)
    mentor_a = MentorEnrolmentFactory(program=program, person=PersonFactory(organization=east, full_name="雷刚"))
    mentor_b = MentorEnrolmentFactory(program=program, person=PersonFactory(organization=west, full_name="-陈涵"))

    def mentee(org, name, birth, education):
        person = PersonFactory(organization=org, full_name=name, birth_date=birth, education=education)
        return EnrolmentFactory(program=program, person=person)

    m1 = mentee(east, "王一", date(1998, 1, 1), Education.BACHELOR)
    m2 = mentee(east, "王二", date(1980, 1, 1), Education.COLLEGE)
    m3 = mentee(west, "王三", date(1999, 1, 1), Education.MASTER)
    m4 = mentee(west, "王四", date(1997, 1, 1), Education.SECONDARY)
    active1 = PairingFactory(
        program=program,
        mentor=mentor_a,
        mentee=m1,
        status=PairingStatus.ACTIVE,
        start_date=date(2024, 3, 1),
        planned_end_date=date(2025, 3, 1),
    )
    active2 = PairingFactory(
        program=program,
        mentor=mentor_a,
        mentee=m2,
        status=PairingStatus.ACTIVE,
        start_date=date(2024, 3, 1),
        planned_end_date=date(2025, 3, 1),
    )
    PairingFactory(
        program=program,
        mentor=mentor_b,
        mentee=m3,
        status=PairingStatus.COMPLETED,
        start_date=date(2024, 2, 1),
        planned_end_date=date(2025, 2, 1),
        end_date=date(2024, 5, 20),
    )
    PairingFactory(
        program=program,
        mentor=mentor_b,
        mentee=m4,
        status=PairingStatus.DISSOLVED,
        start_date=date(2024, 2, 1),
        planned_end_date=date(2025, 2, 1),
        end_date=date(2024, 4, 10),
    )
    first = ActivityFactory(pairing=active1, date=date(2024, 3, 10), method=Method.ONSITE_TEACHING)
    ActivityDimension.objects.create(activity=first, dimension=Dimension.THEORY)
    ActivityDimension.objects.create(activity=first, dimension=Dimension.CAREER)
    ActivityFactory(pairing=active1, date=date(2024, 4, 12), method=Method.CASE_DISSECTION)
    ActivityFactory(pairing=active1, date=date(2024, 6, 10), method=Method.CASE_DISSECTION)
    ActivityFactory(pairing=active2, date=date(2024, 3, 15), method=Method.ASSIGNMENT)
    active1.last_activity_date = date(2024, 6, 10)
    active1.save()
    active2.last_activity_date = date(2024, 3, 15)
    active2.save()
    plan = GrowthPlanFactory(pairing=active1)
    GoalFactory(plan=plan, status=GoalStatus.ACHIEVED, due_date=date(2024, 5, 1))
    GoalFactory(plan=plan, status=GoalStatus.IN_PROGRESS, due_date=date(2024, 5, 1))
    political = Competency.objects.get(code="political")
    for on, score in ((date(2024, 3, 1), 2), (date(2024, 5, 1), 4)):
        assessment = AssessmentFactory(person=m1.person, assessed_on=on)
        CompetencyScore.objects.create(assessment=assessment, competency=political, score=score)
    OutcomeFactory(person=m1.person, kind=OutcomeKind.PROMOTED_LEADERSHIP, date=date(2024, 5, 1))
    OutcomeFactory(person=m3.person, kind=OutcomeKind.PROMOTED, date=date(2024, 4, 1))
    OutcomeFactory(person=m3.person, kind=OutcomeKind.PROMOTED, date=date(2023, 4, 1))
    return program


PERIOD = {"period_start": "2024-03-01", "period_end": "2024-06-30"}
