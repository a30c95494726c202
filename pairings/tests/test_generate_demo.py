"""The demo generator reproduces the seed articles' figures and is deterministic."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from pairings.models import GrowthPlan, Outcome, Pairing
from pairings.selectors import lineage
from programs.models import EnrolmentCategory, Person, Role, User

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


def generate(scale: str, **options) -> None:
    call_command("generate_demo", scale=scale, today=TODAY, stdout=StringIO(), **options)


def test_the_seed_reproduces_the_xianan_figures_exactly():
    generate("seed")
    pairings = Pairing.objects.all()

    assert pairings.count() == 233
    graduates = pairings.filter(mentor__category=EnrolmentCategory.COUNTY_LEADER)
    assert graduates.values("mentor").distinct().count() == 19
    assert graduates.filter(mentee__category=EnrolmentCategory.SELECTED_GRADUATE).count() == 27
    shuangxi = pairings.filter(mentee__person__organization__code="XA02")
    assert shuangxi.count() == 15
    assert shuangxi.values("mentor").distinct().count() == 11
    procuratorate = pairings.filter(mentee__person__organization__code="XA-JCY")
    assert procuratorate.count() == 14
    assert procuratorate.values("mentor").distinct().count() == 14
    assert pairings.values("mentee__person__organization").distinct().count() == 68
    assert GrowthPlan.objects.count() == 233
    outcomes = dict(Outcome.objects.values_list("kind").annotate(n=Count("id")))
    assert outcomes == {"promoted_leadership": 19, "promoted": 7, "rank_promotion": 25, "frontline_secondment": 14}


def test_the_seed_keeps_the_articles_pairs_and_prints_working_logins():
    generate("seed")

    chen_han = Pairing.objects.get(mentee__person__full_name="陈涵")
    assert chen_han.mentor.person.full_name == "雷刚"
    assert Pairing.objects.get(mentee__person__full_name="杨德燕").mentor.person.full_name == "万龙"
    assert User.objects.get(username="hr_xianan").organization.code == "XA"
    assert User.objects.get(username="admin").check_password("Mentor-2026")


def test_every_pair_obeys_the_capacity_and_has_a_correct_last_activity_date():
    generate("seed")

    over = Pairing.objects.filter(status="active").values("mentor").annotate(n=Count("id")).filter(n__gt=3)
    assert not over.exists()
    wrong = [
        p
        for p in Pairing.objects.prefetch_related("activities")
        if p.last_activity_date != max((a.date for a in p.activities.all()), default=None)
    ]
    assert wrong == []


def test_the_same_seed_gives_the_same_data():
    generate("seed", seed=7)
    first = list(Person.objects.order_by("id_number").values_list("full_name", "birth_date", "id_number"))

    generate("seed", seed=7, reset=True)

    assert list(Person.objects.order_by("id_number").values_list("full_name", "birth_date", "id_number")) == first


def test_generating_a_scale_twice_leaves_the_data_as_it_was():
    generate("seed")
    generate("seed")

    assert Pairing.objects.count() == 233


def test_the_city_has_huzhous_size_and_three_generations_of_mentors():
    generate("city")

    current = Pairing.objects.filter(program__status="active")
    assert current.count() == 3000
    assert current.values("mentor").distinct().count() == 1360
    pioneer = Person.objects.get(full_name="黄宣富")
    ancestors, tree = lineage(pioneer)
    assert ancestors == []
    assert tree.children, "the pilot mentor has apprentices"
    grandchildren = [g for child in tree.children for g in child.children]
    assert grandchildren, "their apprentices became mentors in turn"
    assert any(g.children for g in grandchildren), "and so on through the generations"
    assert Person.objects.filter(enrolments__role=Role.MENTOR).filter(enrolments__role=Role.MENTEE).exists()
