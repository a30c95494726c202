"""Deterministic demo and benchmark data at three scales.

* ``seed`` — the Xian'an district program of the first seed article, figure for figure: 233 pairs;
  19 county-level leaders mentoring 27 selected graduates; Shuangxiqiao township pairing 15 young
  cadres with 11 mentors; 14 one-to-one pairs in the procuratorate; pairs in 68 units, each with a
  learning and growth plan; outcomes 19 / 7 / 25 / 14. A second, unpaired cohort is enrolled so that
  matching can be tried at once.
* ``city`` — Huzhou (second seed article): five districts and counties, ≈3,000 mentees and 1,360
  mentors, and three generations of mentors going back to the Shangshu pilot of 2005.
* ``province`` — 100,000 pairings and 1,000,000 activities, for the benchmarks.

Rows are written with ``bulk_create`` straight into the tables: the generator builds data that
obeys the pairing rules by construction, and the database constraints still check every row.
The same ``--seed`` and ``--today`` give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice

from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.utils import timezone

from programs.models import (
    Competency,
    Education,
    Enrolment,
    EnrolmentCategory,
    Gender,
    Organization,
    OrganizationKind,
    Person,
    PersonCategory,
    Program,
    ProgramStatus,
    Rank,
    Role,
    User,
)
from programs.services import create_hr_user

from .models import (
    Activity,
    ActivityDimension,
    Assessment,
    AssessorRole,
    CaseKind,
    CompetencyScore,
    Dimension,
    Goal,
    GoalStatus,
    GrowthPlan,
    Method,
    Outcome,
    OutcomeKind,
    Pairing,
    PairingStatus,
    PracticeCase,
    Rating,
    Review,
    ReviewStage,
)

SCALES = ("seed", "city", "province")
BATCH = 5000

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鹏辉斌宇浩凯晨瑶欣怡婷雪琳晓峰建国志文博涵然"
    "子轩思远佳琪梦德新生元桢慧君晔洁龙海波丹宁立成俊"
)
MENTEE_POSITIONS = ("科员", "办事员", "村支书助理", "村委委员", "干警", "综治专干", "经济发展办干事")
MENTOR_POSITIONS = ("党委委员、副镇长", "村党总支书记", "办公室主任", "业务骨干", "站所负责人", "检察官")
LOCATIONS = ("村委会", "田间地头", "项目工地", "群众家中", "镇政府会议室", "便民服务中心", "信访接待室")
SUMMARIES = {
    Method.ASSIGNMENT: "导师布置调研作业，徒弟完成走访报告并汇报",
    Method.ONSITE_TEACHING: "师徒走村入户，导师现场示范群众工作方法",
    Method.HANDS_OFF_PRACTICE: "徒弟独立牵头处理村民诉求，导师事后点评",
    Method.SCENARIO_SIMULATION: "模拟信访接待和突发事件处置场景演练",
    Method.CASE_DISSECTION: "解剖麻雀：复盘一起矛盾纠纷的来龙去脉",
    Method.REVIEW_IMPROVEMENT: "走访回来开会总结，分析问题特点、找准化解对策",
    Method.OTHER: "交流谈心，思想引领",
}
METHOD_WEIGHTS = {
    Method.ONSITE_TEACHING: 30,
    Method.HANDS_OFF_PRACTICE: 20,
    Method.REVIEW_IMPROVEMENT: 18,
    Method.ASSIGNMENT: 12,
    Method.CASE_DISSECTION: 10,
    Method.SCENARIO_SIMULATION: 6,
    Method.OTHER: 4,
}
CASES = {
    CaseKind.DISPUTE_MEDIATION: ("山林界线纠纷，请村里长辈现场指认", "两家达成和解"),
    CaseKind.PROJECT_COORDINATION: ("项目施工排水冲毁苗木，协调施工方与村民", "第三方评估后合理赔偿"),
    CaseKind.EMERGENCY_RESPONSE: ("汛期巡堤查险，转移低洼地带群众", "群众安全转移"),
    CaseKind.PETITION_HANDLING: ("接待群众来访，解释政策", "诉求得到答复"),
    CaseKind.OTHER: ("协助开展人居环境整治", "问题已整改"),
}
GOAL_TITLES = (
    "走访全村农户，建立民情台账",
    "独立调解一起矛盾纠纷",
    "牵头完成一个项目协调",
    "撰写一篇调研报告",
    "参与一次应急演练并复盘",
    "学习党的理论并做专题分享",
)


def id_number(region: str, birth: date, serial: int) -> str:
    """An 18-digit resident ID number with a valid ISO 7064 check digit."""
    body = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass
class Cohort:
    """Mentors and mentees of one program paired round-robin: mentee i gets mentor i mod len(mentors)."""

    program: Program
    mentors: list[Person]
    mentees: list[Person]
    mentor_category: str
    mentee_category: str
    status: str = PairingStatus.ACTIVE
    start_range: tuple[date, date] | None = None
    paired: bool = True
    pair_index: list[tuple[int, int]] = field(default_factory=list)


class DemoBuilder:
    def __init__(self, *, seed: int, today: date, region: str, log: Callable[[str], None]):
        self.rng = random.Random(seed)
        self.today = today
        self.region = region
        self.log = log
        self.competencies = list(Competency.objects.order_by("position"))
        self.serial = 0
        self.organizations: list[Organization] = []
        # New roots go after any tree already present (another scale).
        last_root = Organization.objects.filter(depth=1).order_by("-path").first()
        self.children: dict[str, int] = {"": Organization._str2int(last_root.path) if last_root else 0}
        self.people: list[Person] = []
        self.cohorts: list[Cohort] = []
        self.outcome_plan: list[tuple[str, int]] = []
        self.summary: dict[str, int] = {}

    # --- organizations -------------------------------------------------------------------
    def org(self, parent: Organization | None, name: str, code: str, kind: str) -> Organization:
        parent_path = parent.path if parent else ""
        depth = (parent.depth + 1) if parent else 1
        step = self.children.get(parent_path, 0) + 1
        self.children[parent_path] = step
        node = Organization(
            name=name, code=code, kind=kind, depth=depth, path=Organization._get_path(parent_path, depth, step)
        )
        node.numchild = 0
        if parent is not None:
            parent.numchild += 1
        self.organizations.append(node)
        return node

    def save_organizations(self) -> None:
        Organization.objects.bulk_create(self.organizations, batch_size=BATCH)
        self.organizations = list(Organization.objects.order_by("path"))
        self.log(f"organizations: {len(self.organizations)}")

    def by_code(self, code: str) -> Organization:
        return next(o for o in self.organizations if o.code == code)

    # --- people ----------------------------------------------------------------------------
    def name(self) -> str:
        given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.7 else "")
        return self.rng.choice(SURNAMES) + given

    def person(self, organization: Organization, *, mentor: bool, name: str = "", **overrides) -> Person:
        rng = self.rng
        if mentor:
            birth = self.today - timedelta(days=rng.randint(40 * 365, 56 * 365))
            work_start = birth + timedelta(days=rng.randint(21 * 365, 24 * 365))
            education = rng.choices(
                [Education.MASTER, Education.BACHELOR, Education.COLLEGE, Education.SECONDARY], [10, 55, 25, 10]
            )[0]
            rank = rng.choice([Rank.SECTION_DEPUTY, Rank.SECTION_CHIEF, Rank.STAFF_1])
            category = PersonCategory.CIVIL_SERVANT
            position = rng.choice(MENTOR_POSITIONS)
        else:
            birth = self.today - timedelta(days=rng.randint(23 * 365, 38 * 365))
            work_start = birth + timedelta(days=rng.randint(22 * 365, 25 * 365))
            work_start = min(work_start, self.today - timedelta(days=rng.randint(60, 600)))
            education = rng.choices([Education.MASTER, Education.BACHELOR, Education.COLLEGE], [15, 68, 17])[0]
            rank = rng.choice([Rank.CLERK, Rank.CLERK, Rank.STAFF_4, Rank.NONE])
            category = rng.choices(
                [
                    PersonCategory.CIVIL_SERVANT,
                    PersonCategory.VILLAGE_COMMITTEE,
                    PersonCategory.INSTITUTION_STAFF,
                    PersonCategory.SELECTED_GRADUATE,
                ],
                [50, 25, 15, 10],
            )[0]
            position = rng.choice(MENTEE_POSITIONS)
        self.serial += 1
        values = {
            "full_name": name or self.name(),
            "gender": rng.choice([Gender.MALE, Gender.MALE, Gender.FEMALE]),
            "birth_date": birth,
            "education": education,
            "organization": organization,
            "position": position,
            "rank": rank,
            "category": category,
            "work_start_date": work_start,
            "phone": f"13{self.serial % 1_000_000_000:09d}",
            # The serial picks the region code and the sequence, so numbers never collide.
            "id_number": id_number(f"{self.region}{self.serial // 1000:04d}", birth, self.serial),
        }
        values.update(overrides)
        person = Person(**values)
        self.people.append(person)
        return person

    def save_people(self) -> None:
        for batch in chunks(self.people, BATCH):
            Person.objects.bulk_create(batch)
        self.log(f"people: {len(self.people)}")

    # --- programs, enrolments and pairings ------------------------------------------------
    def program(self, organization: Organization, name: str, start: date, **extra) -> Program:
        program = Program.objects.create(
            organization=organization,
            name=name,
            start_date=start,
            status=extra.pop("status", ProgramStatus.ACTIVE),
            description=extra.pop("description", ""),
            **extra,
        )
        program.competencies.set(self.competencies)
        return program

    def cohort(self, program: Program, mentors, mentees, mentor_category, mentee_category, **extra) -> Cohort:
        cohort = Cohort(program, list(mentors), list(mentees), mentor_category, mentee_category, **extra)
        self.cohorts.append(cohort)
        return cohort

    def save_enrolments_and_pairings(self) -> list[Pairing]:
        rng = self.rng
        enrolments: list[Enrolment] = []
        keyed: dict[tuple[int, int], Enrolment] = {}
        for cohort in self.cohorts:
            for people, role, category in (
                (cohort.mentors, Role.MENTOR, cohort.mentor_category),
                (cohort.mentees, Role.MENTEE, cohort.mentee_category),
            ):
                for person in people:
                    key = (cohort.program.pk, person.pk)
                    if key in keyed:
                        continue
                    enrolment = Enrolment(
                        program=cohort.program,
                        person=person,
                        role=role,
                        category=category,
                        enrolled_on=cohort.program.start_date,
                        status="finished" if cohort.program.status == ProgramStatus.CLOSED else "active",
                    )
                    keyed[key] = enrolment
                    enrolments.append(enrolment)
        for batch in chunks(enrolments, BATCH):
            Enrolment.objects.bulk_create(batch)
        through_rows = []
        for enrolment in enrolments:
            picks = rng.sample(self.competencies, 2 if enrolment.role == Role.MENTEE else 3)
            relation = Enrolment.needs if enrolment.role == Role.MENTEE else Enrolment.strengths
            through_rows.append((relation.through, [(enrolment.pk, c.pk) for c in picks]))
        for through in (Enrolment.needs.through, Enrolment.strengths.through):
            rows = [
                through(enrolment_id=e, competency_id=c)
                for model, pairs in through_rows
                if model is through
                for e, c in pairs
            ]
            for batch in chunks(rows, BATCH):
                through.objects.bulk_create(batch)
        self.log(f"enrolments: {len(enrolments)}")

        pairings: list[Pairing] = []
        for cohort in self.cohorts:
            if not cohort.paired:
                continue
            first, last = cohort.start_range or (self.today - timedelta(days=330), self.today - timedelta(days=45))
            span = max((last - first).days, 1)
            for index, mentee in enumerate(cohort.mentees):
                mentor = cohort.mentors[index % len(cohort.mentors)]
                start = first + timedelta(days=rng.randint(0, span))
                planned_end = start + relativedelta(months=cohort.program.term_months)
                finished = cohort.status != PairingStatus.ACTIVE
                pairing = Pairing(
                    program=cohort.program,
                    mentor=keyed[(cohort.program.pk, mentor.pk)],
                    mentee=keyed[(cohort.program.pk, mentee.pk)],
                    status=cohort.status,
                    start_date=start,
                    planned_end_date=planned_end,
                    end_date=min(planned_end, self.today) if finished else None,
                    end_reason="帮带期满" if finished else "",
                    pledge_signed_on=start,
                    match_score=round(rng.uniform(0.55, 0.95), 3),
                    created_at=_aware(start - timedelta(days=7)),
                )
                pairings.append(pairing)
        for batch in chunks(pairings, BATCH):
            Pairing.objects.bulk_create(batch)
        self.log(f"pairings: {len(pairings)}")
        return pairings

    # --- what pairs do -----------------------------------------------------------------------
    def save_pairs_and_their_life(
        self,
        *,
        activities_per_pair: Callable[[], int],
        assessed_share: float,
        outcomes: list[tuple[str, int]],
        mentees: list[Person],
    ) -> list[Pairing]:
        """Enrolments, pairings, growth plans, activities, assessments, reviews and outcomes of all cohorts."""
        pairings = self.save_enrolments_and_pairings()
        self.save_plans_and_goals(pairings)
        self.save_activities(pairings, activities_per_pair)
        self.save_assessments(pairings, share=assessed_share)
        self.save_reviews(pairings)
        self.save_outcomes(mentees, outcomes)
        return pairings

    def activity_dates(self, pairing: Pairing, count: int, cadence: int) -> list[date]:
        rng = self.rng
        end = pairing.end_date or self.today
        roll = rng.random()
        if pairing.status != PairingStatus.ACTIVE or roll < 0.78:
            gap = rng.randint(0, int(cadence * 0.8))
        elif roll < 0.92:
            gap = rng.randint(int(cadence * 1.1), int(cadence * 2.5))
        else:
            gap = rng.randint(int(cadence * 3.2), int(cadence * 5))
        last = max(pairing.start_date, end - timedelta(days=gap))
        span = (last - pairing.start_date).days
        if count <= 0:
            return []
        days = sorted(rng.randint(0, span) for _ in range(count - 1)) + [span]
        return [pairing.start_date + timedelta(days=d) for d in days]

    def save_activities(self, pairings: list[Pairing], per_pair: Callable[[], int]) -> None:
        rng = self.rng
        methods = list(METHOD_WEIGHTS)
        weights = list(METHOD_WEIGHTS.values())
        dimensions = list(Dimension.values)
        cases = list(CASES)
        total = 0
        last_dates: list[Pairing] = []
        for batch in chunks(pairings, 2000):
            activities: list[Activity] = []
            for pairing in batch:
                dates = self.activity_dates(pairing, per_pair(), pairing.program.cadence_days)
                pairing.last_activity_date = dates[-1] if dates else None
                last_dates.append(pairing)
                for day in dates:
                    method = rng.choices(methods, weights)[0]
                    activities.append(
                        Activity(
                            pairing=pairing,
                            date=day,
                            method=method,
                            duration_minutes=rng.choice((60, 90, 120, 180, 240)),
                            location=rng.choice(LOCATIONS),
                            summary=SUMMARIES[method],
                            reflection="学有所悟、学有所获" if rng.random() < 0.4 else "",
                            created_at=_aware(day),
                        )
                    )
            Activity.objects.bulk_create(activities, batch_size=BATCH)
            dimension_rows, case_rows = [], []
            for activity in activities:
                for dimension in rng.sample(dimensions, rng.choice((1, 1, 2, 2, 3))):
                    dimension_rows.append(ActivityDimension(activity_id=activity.pk, dimension=dimension))
                if rng.random() < 0.22:
                    kind = rng.choice(cases)
                    description, outcome = CASES[kind]
                    case_rows.append(
                        PracticeCase(activity_id=activity.pk, kind=kind, description=description, outcome=outcome)
                    )
            ActivityDimension.objects.bulk_create(dimension_rows, batch_size=BATCH)
            PracticeCase.objects.bulk_create(case_rows, batch_size=BATCH)
            total += len(activities)
            if len(pairings) > 20000:
                self.log(f"activities: {total:,}")
        Pairing.objects.bulk_update(last_dates, ["last_activity_date"], batch_size=BATCH)
        self.log(f"activities: {total}")
        self.summary["activities"] = total

    def save_plans_and_goals(self, pairings: list[Pairing]) -> None:
        rng = self.rng
        plans = [
            GrowthPlan(pairing=p, summary="围绕七种能力制定学习成长计划，以老带新、以精带疏、以强带弱")
            for p in pairings
        ]
        GrowthPlan.objects.bulk_create(plans, batch_size=BATCH)
        goals = []
        for plan in plans:
            pairing = plan.pairing
            for title in rng.sample(GOAL_TITLES, rng.randint(2, 4)):
                due = pairing.start_date + timedelta(days=rng.randint(60, 330))
                if due < self.today - timedelta(days=20):
                    status = rng.choices(
                        [GoalStatus.ACHIEVED, GoalStatus.IN_PROGRESS, GoalStatus.DROPPED], [75, 20, 5]
                    )[0]
                else:
                    status = rng.choice([GoalStatus.PLANNED, GoalStatus.IN_PROGRESS])
                progress = {GoalStatus.ACHIEVED: 100, GoalStatus.PLANNED: 0}.get(status, rng.randint(20, 90))
                goals.append(
                    Goal(
                        plan=plan,
                        title=title,
                        competency=rng.choice(self.competencies),
                        due_date=due,
                        status=status,
                        progress=progress,
                    )
                )
        Goal.objects.bulk_create(goals, batch_size=BATCH)
        self.log(f"growth plans: {len(plans)}, goals: {len(goals)}")

    def save_assessments(self, pairings: list[Pairing], share: float) -> None:
        rng = self.rng
        assessments, scores = [], []
        for pairing in pairings:
            if rng.random() > share:
                continue
            mentee_id = pairing.mentee.person_id
            first_day = pairing.start_date + timedelta(days=14)
            last_day = pairing.last_activity_date or pairing.start_date
            baseline = {c.pk: rng.randint(1, 3) for c in self.competencies}
            for day, lift in ((first_day, 0), (max(first_day, last_day), None)):
                if day > self.today:
                    continue
                assessment = Assessment(
                    person_id=mentee_id,
                    pairing=pairing,
                    assessed_on=day,
                    assessor_role=AssessorRole.MENTOR if lift is None else AssessorRole.ORGANIZATION,
                    comment="成长明显，群众工作能力提升" if lift is None else "入职初评",
                )
                assessments.append(assessment)
                for competency_id, base in baseline.items():
                    gain = 0 if lift == 0 else rng.choice((0, 1, 1, 2))
                    scores.append((assessment, competency_id, min(5, base + gain)))
        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        CompetencyScore.objects.bulk_create(
            [CompetencyScore(assessment_id=a.pk, competency_id=c, score=s) for a, c, s in scores], batch_size=BATCH
        )
        self.log(f"assessments: {len(assessments)}")

    def save_reviews(self, pairings: list[Pairing]) -> None:
        rng = self.rng
        reviews = []
        ratings = [Rating.EXCELLENT, Rating.GOOD, Rating.FAIR, Rating.POOR]
        for pairing in pairings:
            midterm = pairing.start_date + (pairing.planned_end_date - pairing.start_date) / 2
            if midterm <= self.today and rng.random() < 0.88:
                reviews.append(
                    Review(
                        pairing=pairing,
                        stage=ReviewStage.MIDTERM,
                        rating=rng.choices(ratings, [30, 50, 17, 3])[0],
                        comments="帮带计划落实到位",
                        reviewed_on=midterm,
                    )
                )
            if pairing.status == PairingStatus.COMPLETED:
                reviews.append(
                    Review(
                        pairing=pairing,
                        stage=ReviewStage.FINAL,
                        rating=rng.choices(ratings, [40, 45, 13, 2])[0],
                        comments="徒弟已能独当一面",
                        reviewed_on=pairing.end_date,
                    )
                )
        Review.objects.bulk_create(reviews, batch_size=BATCH)
        self.log(f"reviews: {len(reviews)}")

    def save_outcomes(self, mentees: list[Person], plan: list[tuple[str, int]]) -> None:
        rng = self.rng
        pool = list(mentees)
        rng.shuffle(pool)
        outcomes = []
        descriptions = {
            OutcomeKind.PROMOTED_LEADERSHIP: "提拔进入乡镇领导班子",
            OutcomeKind.PROMOTED: "提拔重用",
            OutcomeKind.RANK_PROMOTION: "晋升四级主任科员",
            OutcomeKind.FRONTLINE_SECONDMENT: "抽调至一线挂职锻炼",
            OutcomeKind.COMMENDATION: "受到表彰",
            OutcomeKind.BECAME_MENTOR: "成为帮带导师",
        }
        cursor = 0
        for kind, count in plan:
            for person in pool[cursor : cursor + count]:
                outcomes.append(
                    Outcome(
                        person=person,
                        kind=kind,
                        date=self.today - timedelta(days=rng.randint(10, 400)),
                        description=descriptions.get(kind, ""),
                    )
                )
            cursor += count
        Outcome.objects.bulk_create(outcomes, batch_size=BATCH)
        self.log(f"outcomes: {len(outcomes)}")


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


# --- the three scales ------------------------------------------------------------------------


def build_seed(builder: DemoBuilder) -> dict:
    """The Xian'an district program (咸安区青蓝结对·导师帮带), figure for figure."""
    b, rng, today = builder, builder.rng, builder.today
    city = b.org(None, "咸宁市", "XN", OrganizationKind.CITY)
    district = b.org(city, "咸安区", "XA", OrganizationKind.DISTRICT)
    committee = b.org(district, "区委办公室", "XA-QWB", OrganizationKind.DEPARTMENT)
    b.org(district, "区委组织部", "XA-ZZB", OrganizationKind.DEPARTMENT)
    procuratorate = b.org(district, "咸安区人民检察院", "XA-JCY", OrganizationKind.DEPARTMENT)
    township_names = [
        "官埠桥镇", "双溪桥镇", "横沟桥镇", "贺胜桥镇", "汀泗桥镇", "向阳湖镇",
        "高桥镇", "桂花镇", "大幕乡", "马桥镇", "浮山街道", "温泉街道", "永安街道",
    ]  # fmt: skip
    townships = [
        b.org(district, name, f"XA{i:02d}", OrganizationKind.TOWNSHIP) for i, name in enumerate(township_names, 1)
    ]
    village_names = {0: ["泉湖村", "官埠村", "东坡村"], 1: ["三桥村", "双溪村", "星星村"]}
    villages: list[Organization] = []
    for index, township in enumerate(townships):
        names = village_names.get(index, [f"{township.name[:2]}{k}村" for k in ("东", "西", "南", "北")])
        for k, name in enumerate(names, 1):
            villages.append(b.org(township, name, f"{township.code}{k:02d}", OrganizationKind.VILLAGE))
    stations = [
        b.org(township, f"{township.name}便民服务中心", f"{township.code}S1", OrganizationKind.STATION)
        for township in townships[2:8]
    ]
    departments = [
        b.org(district, name, f"XA-D{i:02d}", OrganizationKind.DEPARTMENT)
        for i, name in enumerate(["区发改局", "区财政局", "区农业农村局", "区住建局", "区信访局", "区应急管理局"], 1)
    ]
    b.save_organizations()
    shuangxi = b.by_code("XA02")
    leaders_home = b.by_code(committee.code)
    procuratorate = b.by_code(procuratorate.code)
    # 68 units hold the pairs: the procuratorate, Shuangxiqiao township and 66 others.
    others = [
        b.by_code(o.code)
        for o in [t for t in townships if t.code != "XA02"] + villages + stations + departments
        if o.code != "XA02"
    ][:66]
    assert len(others) == 66

    start = date(2020, 12, 1)
    program = b.program(
        b.by_code(district.code),
        "咸安区“青蓝结对·导师帮带”计划",
        start,
        description="以老带新、以精带疏、以强带弱：面对面帮、手把手教、实打实带。",
        term_months=24,
        mentor_capacity=3,
        cadence_days=30,
    )
    leaders = [
        b.person(leaders_home, mentor=True, name="万龙", position="区委常委、区委办主任", rank=Rank.DIVISION_CHIEF)
    ] + [b.person(leaders_home, mentor=True, position="县级领导干部", rank=Rank.DIVISION_DEPUTY) for _ in range(18)]
    graduates = [
        b.person(
            b.by_code("XA0201"),
            mentor=False,
            name="杨德燕",
            category=PersonCategory.SELECTED_GRADUATE,
            education=Education.MASTER,
            position="村支书（主任）助理",
        )
    ] + [
        b.person(others[i % 66], mentor=False, category=PersonCategory.SELECTED_GRADUATE, position="选调生")
        for i in range(1, 27)
    ]
    township_mentors = [b.person(shuangxi, mentor=True, position="镇领导班子成员") for _ in range(11)]
    township_mentees = [b.person(shuangxi, mentor=False, position="年轻干部") for _ in range(15)]
    prosecutors = [b.person(procuratorate, mentor=True, name="李继红", position="检察官")] + [
        b.person(procuratorate, mentor=True, position="业务骨干") for _ in range(13)
    ]
    young_prosecutors = [
        b.person(procuratorate, mentor=False, name="镇洁", position="政治部副主任"),
        b.person(procuratorate, mentor=False, name="王伟", position="第二检察部副主任"),
    ] + [b.person(procuratorate, mentor=False, position="检察干警") for _ in range(12)]
    # The remaining 177 pairs: mentees spread so every one of the 66 units has some.
    unit_mentors, unit_mentees = [], []
    guanbuqiao = b.by_code("XA01")
    for index in range(177):
        unit = others[(index + 26) % 66]
        first_here = unit.pk == guanbuqiao.pk and all(m.organization.pk != unit.pk for m in unit_mentees)
        unit_mentees.append(b.person(unit, mentor=False, name="陈涵" if first_here else ""))
    per_unit: dict[int, list[Person]] = {}
    for mentee in unit_mentees:
        per_unit.setdefault(mentee.organization.pk, []).append(mentee)
    unit_groups = []
    for unit_id, mentees in per_unit.items():
        unit = next(o for o in others if o.pk == unit_id)
        is_guanbuqiao = unit.pk == guanbuqiao.pk
        mentors = [
            b.person(unit, mentor=True, name="雷刚" if is_guanbuqiao and k == 0 else "", position="党委委员、副镇长")
            for k in range((len(mentees) + 1) // 2)
        ]
        unit_mentors += mentors
        unit_groups.append((mentors, mentees))
    # An unpaired second cohort for trying matching at once.
    next_mentors = [b.person(b.by_code(rng.choice(townships[2:]).code), mentor=True) for _ in range(14)]
    next_mentees = [b.person(b.by_code(rng.choice(villages).code), mentor=False) for _ in range(30)]
    b.save_people()
    recent = (today - timedelta(days=330), today - timedelta(days=40))
    b.cohort(program, leaders, graduates, EnrolmentCategory.COUNTY_LEADER, EnrolmentCategory.SELECTED_GRADUATE,
             start_range=recent)  # fmt: skip
    b.cohort(program, township_mentors, township_mentees, EnrolmentCategory.TOWNSHIP_VETERAN,
             EnrolmentCategory.NEW_ENTRANT, start_range=recent)  # fmt: skip
    b.cohort(program, prosecutors, young_prosecutors, EnrolmentCategory.BUSINESS_BACKBONE,
             EnrolmentCategory.NEW_ENTRANT, start_range=recent)  # fmt: skip
    completed_left = 12
    for mentors, mentees in unit_groups:
        done = completed_left > 0 and len(mentees) == 2
        completed_left -= 2 if done else 0
        b.cohort(
            program,
            mentors,
            mentees,
            EnrolmentCategory.TOWNSHIP_VETERAN,
            EnrolmentCategory.FRONTLINE_TRAINEE,
            status=PairingStatus.COMPLETED if done else PairingStatus.ACTIVE,
            start_range=(today - timedelta(days=900), today - timedelta(days=740)) if done else recent,
        )
    second = b.program(
        b.by_code(district.code),
        "咸安区青蓝结对（第二批）",
        date(today.year, 1, 1),
        description="第二批结对：待精准匹配。",
        term_months=12,
        mentor_capacity=3,
    )
    b.cohort(second, next_mentors, next_mentees, EnrolmentCategory.TOWNSHIP_VETERAN,
             EnrolmentCategory.NEW_ENTRANT, paired=False)  # fmt: skip
    pairings = b.save_pairs_and_their_life(
        activities_per_pair=lambda: rng.randint(3, 12),
        assessed_share=1.0,
        mentees=graduates + township_mentees + young_prosecutors + unit_mentees,
        outcomes=[
            (OutcomeKind.PROMOTED_LEADERSHIP, 19),
            (OutcomeKind.PROMOTED, 7),
            (OutcomeKind.RANK_PROMOTION, 25),
            (OutcomeKind.FRONTLINE_SECONDMENT, 14),
        ],
    )
    accounts = [("hr_xianan", "XA"), ("hr_shuangxi", "XA02")]
    personal = {"leigang": "雷刚", "chenhan": "陈涵"}
    return {"hr": accounts, "personal": personal, "pairings": len(pairings)}


def build_city(builder: DemoBuilder) -> dict:
    """Huzhou: five districts and counties, ≈3,000 mentees and 1,360 mentors, three generations."""
    b, rng, today = builder, builder.rng, builder.today
    city = b.org(None, "湖州市", "HZ", OrganizationKind.CITY)
    counties = [
        ("吴兴区", "HZ01", OrganizationKind.DISTRICT),
        ("南浔区", "HZ02", OrganizationKind.DISTRICT),
        ("德清县", "HZ03", OrganizationKind.DISTRICT),
        ("长兴县", "HZ04", OrganizationKind.DISTRICT),
        ("安吉县", "HZ05", OrganizationKind.DISTRICT),
    ]
    first_townships = {"HZ05": ["上墅乡", "递铺街道", "孝丰镇"], "HZ03": ["禹越镇"], "HZ04": ["泗安镇"]}
    nodes = []
    for name, code, kind in counties:
        county = b.org(city, name, code, kind)
        names = first_townships.get(code, []) + [f"{name[:2]}第{k}镇" for k in range(1, 15)]
        for t, tname in enumerate(names[:14], 1):
            township = b.org(county, tname, f"{code}{t:02d}", OrganizationKind.TOWNSHIP)
            nodes.append(township)
            for v in range(1, 9):
                vname = "刘家塘村" if tname == "上墅乡" and v == 1 else f"{tname[:2]}{v}村"
                nodes.append(b.org(township, vname, f"{township.code}{v:02d}", OrganizationKind.VILLAGE))
            nodes.append(b.org(township, f"{tname}农业服务站", f"{township.code}S1", OrganizationKind.STATION))
    b.save_organizations()
    county_orgs = [b.by_code(code) for _, code, _ in counties]
    units_by_county = {
        c.pk: [o for o in b.organizations if o.path.startswith(c.path) and o.depth > c.depth] for c in county_orgs
    }
    anji = b.by_code("HZ05")
    shangshu = next(o for o in units_by_county[anji.pk] if o.name == "上墅乡")

    # Generation 1: the Shangshu pilot of 2005 — 11 young cadres under 30 "given" 4 mentors.
    pilot_mentors = [b.person(shangshu, mentor=True, name="黄宣富")] + [
        b.person(shangshu, mentor=True) for _ in range(3)
    ]
    pilot_mentees = [b.person(shangshu, mentor=False, name="詹慧君")] + [
        b.person(shangshu, mentor=False) for _ in range(10)
    ]
    # Generation 2: the 2014 Anji cohort, mentored by the pilot's mentees.
    anji_units = units_by_county[anji.pk]
    gen2_mentees = [b.person(rng.choice(anji_units), mentor=False) for _ in range(33)]

    # Generation 3: the 2014 mentees now mentor in Anji's current program, beside Chu Xuesong of
    # Liujiatang village and his apprentice Ma Ye.
    liujiatang = next(o for o in anji_units if o.name == "刘家塘村")
    current = []
    for county in county_orgs:
        units = units_by_county[county.pk]
        mentors, mentees = [], []
        if county.pk == anji.pk:
            mentors = [b.person(liujiatang, mentor=True, name="褚雪松", position="村党总支书记"), *gen2_mentees]
            mentees = [b.person(liujiatang, mentor=False, name="马晔", position="村委委员")]
        mentors += [b.person(rng.choice(units), mentor=True) for _ in range(272 - len(mentors))]
        mentees += [b.person(rng.choice(units), mentor=False) for _ in range(600 - len(mentees))]
        current.append((county, mentors, mentees))
    b.save_people()

    pilot = b.program(shangshu, "上墅乡“导师帮带制”试点", date(2005, 1, 1), status=ProgramStatus.CLOSED,
                      end_date=date(2006, 1, 1), term_months=12)  # fmt: skip
    b.cohort(pilot, pilot_mentors, pilot_mentees, EnrolmentCategory.TOWNSHIP_VETERAN, EnrolmentCategory.NEW_ENTRANT,
             status=PairingStatus.COMPLETED, start_range=(date(2005, 1, 10), date(2005, 2, 1)))  # fmt: skip
    second = b.program(anji, "安吉县导师帮带（2014年）", date(2014, 3, 1), status=ProgramStatus.CLOSED,
                       end_date=date(2016, 3, 1), term_months=24)  # fmt: skip
    b.cohort(second, pilot_mentees, gen2_mentees, EnrolmentCategory.TOWNSHIP_VETERAN, EnrolmentCategory.NEW_ENTRANT,
             status=PairingStatus.COMPLETED, start_range=(date(2014, 3, 10), date(2014, 4, 30)))  # fmt: skip
    current_mentees = []
    mentor_kinds = [
        EnrolmentCategory.TOWNSHIP_VETERAN,
        EnrolmentCategory.OLD_VILLAGE_SECRETARY,
        EnrolmentCategory.GOVERNANCE_MASTER,
        EnrolmentCategory.REVITALISATION_LEADER,
    ]
    mentee_kinds = [
        EnrolmentCategory.NEW_ENTRANT,
        EnrolmentCategory.NEW_VILLAGE_LEADER,
        EnrolmentCategory.FRONTLINE_TRAINEE,
        EnrolmentCategory.ORGAN_CADRE,
    ]
    for county, mentors, mentees in current:
        program = b.program(county, f"{county.name}“导师帮带制”（2020年深化）", date(2020, 6, 1), term_months=36,
                            mentor_capacity=3)  # fmt: skip
        # Four kinds of mentors and mentees, enrolled in matching quarters.
        for k in range(4):
            b.cohort(program, mentors[k::4], mentees[k::4], mentor_kinds[k], mentee_kinds[k],
                     start_range=(today - timedelta(days=700), today - timedelta(days=30)))  # fmt: skip
        current_mentees += mentees
    pairings = b.save_pairs_and_their_life(
        activities_per_pair=lambda: rng.randint(6, 14),
        assessed_share=1.0,
        mentees=current_mentees,
        outcomes=[
            (OutcomeKind.PROMOTED_LEADERSHIP, 120),
            (OutcomeKind.PROMOTED, 90),
            (OutcomeKind.RANK_PROMOTION, 260),
            (OutcomeKind.FRONTLINE_SECONDMENT, 150),
            (OutcomeKind.COMMENDATION, 80),
        ],
    )
    b.save_outcomes(pilot_mentees + gen2_mentees, [(OutcomeKind.BECAME_MENTOR, 44)])
    return {"hr": [("hr_huzhou", "HZ"), ("hr_anji", "HZ05")], "personal": {}, "pairings": len(pairings)}


def build_province(builder: DemoBuilder) -> dict:
    """100,000 pairings and 1,000,000 activities across 13 cities."""
    b, rng, today = builder, builder.rng, builder.today
    province = b.org(None, "示范省", "SF", OrganizationKind.CITY)
    cities = []
    for c in range(1, 14):
        city = b.org(province, f"第{c}市", f"SF{c:02d}", OrganizationKind.CITY)
        cities.append(city)
        for d in range(1, 8):
            district = b.org(city, f"第{c}市{d}区", f"{city.code}{d:02d}", OrganizationKind.DISTRICT)
            for t in range(1, 12):
                township = b.org(
                    district, f"{district.name}{t}镇", f"{district.code}{t:02d}", OrganizationKind.TOWNSHIP
                )
                for v in range(1, 7):
                    b.org(township, f"{township.name}{v}村", f"{township.code}{v:02d}", OrganizationKind.VILLAGE)
    b.save_organizations()
    city_orgs = [b.by_code(c.code) for c in cities]
    per_city_pairs = [100_000 // 13 + (1 if i < 100_000 % 13 else 0) for i in range(13)]
    groups = []
    for city, pairs in zip(city_orgs, per_city_pairs, strict=True):
        units = [o for o in b.organizations if o.path.startswith(city.path) and o.depth >= city.depth + 2]
        mentors = [b.person(rng.choice(units), mentor=True) for _ in range((pairs + 2) // 3 + 200)]
        mentees = [b.person(rng.choice(units), mentor=False) for _ in range(pairs)]
        groups.append((city, mentors, mentees))
    b.save_people()
    for city, mentors, mentees in groups:
        program = b.program(city, f"{city.name}青蓝结对·导师帮带", date(today.year - 2, 1, 1), term_months=36,
                            mentor_capacity=3)  # fmt: skip
        b.cohort(program, mentors, mentees, EnrolmentCategory.TOWNSHIP_VETERAN, EnrolmentCategory.NEW_ENTRANT,
                 start_range=(today - timedelta(days=720), today - timedelta(days=30)))  # fmt: skip
    pairings = b.save_pairs_and_their_life(
        activities_per_pair=lambda: 10,
        assessed_share=0.2,
        mentees=[p for _, _, mentees in groups for p in mentees],
        outcomes=[
            (OutcomeKind.PROMOTED_LEADERSHIP, 2500),
            (OutcomeKind.PROMOTED, 1800),
            (OutcomeKind.RANK_PROMOTION, 6000),
            (OutcomeKind.FRONTLINE_SECONDMENT, 3000),
        ],
    )
    return {"hr": [("hr_province", "SF"), ("hr_city1", "SF01")], "personal": {}, "pairings": len(pairings)}


BUILDERS = {"seed": build_seed, "city": build_city, "province": build_province}
ROOT_CODES = {"seed": "XN", "city": "HZ", "province": "SF"}
# Resident ID region prefixes: Hubei, Zhejiang and a made-up province, so scales never collide.
ID_REGIONS = {"seed": "42", "city": "33", "province": "99"}


def reset_domain() -> None:
    """Remove all domain data (not the seven abilities, not superusers)."""
    from reports.models import ImportRun, Notification, ReportRun

    for model in (
        Notification,
        ReportRun,
        ImportRun,
        PracticeCase,
        ActivityDimension,
        Activity,
        CompetencyScore,
        Assessment,
        Review,
        Goal,
        GrowthPlan,
        Outcome,
        Pairing,
        Enrolment,
        Program,
    ):
        model.objects.all().delete()
    User.objects.filter(is_superuser=False).delete()
    Person.objects.all().delete()
    Organization.objects.all().delete()


@transaction.atomic
def generate(scale: str, *, seed: int, today: date, password: str, log: Callable[[str], None]) -> dict:
    """Build one scale's data and its accounts; refuses if that scale is already present."""
    if Organization.objects.filter(code=ROOT_CODES[scale]).exists():
        return {"skipped": True}
    builder = DemoBuilder(seed=seed, today=today, region=ID_REGIONS[scale], log=log)
    result = BUILDERS[scale](builder)
    accounts = []
    for username, code in result["hr"]:
        if not User.objects.filter(username=username).exists():
            create_hr_user(username=username, organization=Organization.objects.get(code=code), password=password)
        accounts.append(username)
    for username, full_name in result["personal"].items():
        person = Person.objects.filter(full_name=full_name).order_by("id").first()
        if person and not User.objects.filter(username=username).exists():
            user = User.objects.create_user(username=username, password=password, first_name=full_name)
            person.user = user
            person.save(update_fields=["user"])
            accounts.append(username)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"skipped": False, "accounts": accounts, "pairings": result["pairings"]}
