"""Who sees what: HR staff their subtree, mentors and mentees their own pairings, superusers everything."""

import pytest

from pairings.selectors import lineage, pairings_visible_to
from pairings.services import complete_pairing, pair_directly
from pairings.tests.factories import ActivePairingFactory
from programs.models import Organization
from programs.selectors import people_visible_to, programs_visible_to, subtree_of, unpaired
from programs.tests.factories import (
    EnrolmentFactory,
    HRUserFactory,
    MentorEnrolmentFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    district = OrganizationFactory(name="咸安区", code="XA")
    township = OrganizationFactory(parent=district, name="官埠桥镇", code="XA01", kind="township")
    village = OrganizationFactory(parent=township, name="泉湖村", code="XA0101", kind="village")
    neighbour = OrganizationFactory(parent=district, name="双溪桥镇", code="XA02", kind="township")
    elsewhere = OrganizationFactory(name="嘉鱼县", code="JY")
    return district, township, village, neighbour, elsewhere


def test_a_subtree_is_one_indexed_query(tree, django_assert_num_queries):
    district, township, village, neighbour, elsewhere = tree
    township.refresh_from_db()

    with django_assert_num_queries(1):
        codes = sorted(subtree_of(township).values_list("code", flat=True))

    assert codes == ["XA01", "XA0101"]


def test_hr_staff_see_people_and_programs_of_their_subtree_only(tree):
    district, township, village, neighbour, elsewhere = tree
    hr = HRUserFactory(organization=Organization.objects.get(code="XA01"))
    in_village = PersonFactory(organization=village)
    PersonFactory(organization=neighbour)
    PersonFactory(organization=elsewhere)
    ours = ProgramFactory(organization=township)
    ProgramFactory(organization=district)

    assert list(people_visible_to(hr)) == [in_village]
    assert list(programs_visible_to(hr)) == [ours]


def test_users_without_an_organization_see_nothing_and_superusers_everything(tree):
    PersonFactory(organization=tree[0])

    assert people_visible_to(UserFactory()).count() == 0
    assert people_visible_to(UserFactory(is_superuser=True)).count() == 1


def test_mentors_and_mentees_see_only_their_own_pairings():
    mine = ActivePairingFactory()
    ActivePairingFactory(program=mine.program)
    account = UserFactory()
    mine.mentee.person.user = account
    mine.mentee.person.save()

    assert list(pairings_visible_to(account)) == [mine]


def test_unpaired_lists_mentees_without_a_pairing_and_mentors_with_room():
    program = ProgramFactory(mentor_capacity=1)
    full_mentor = MentorEnrolmentFactory(program=program)
    free_mentor = MentorEnrolmentFactory(program=program)
    paired = EnrolmentFactory(program=program)
    waiting = EnrolmentFactory(program=program)
    pair_directly(mentor=full_mentor, mentee=paired, by=None)

    assert set(unpaired(program.enrolments.all())) == {free_mentor, waiting}


def test_lineage_follows_mentees_who_became_mentors_across_programs():
    first = ProgramFactory()
    master = MentorEnrolmentFactory(program=first)
    apprentice = EnrolmentFactory(program=first)
    complete_pairing(pair_directly(mentor=master, mentee=apprentice, by=None), by=None)
    second = ProgramFactory(organization=first.organization)
    apprentice_as_mentor = MentorEnrolmentFactory(program=second, person=apprentice.person)
    grand_apprentice = EnrolmentFactory(program=second)
    pair_directly(mentor=apprentice_as_mentor, mentee=grand_apprentice, by=None)

    ancestors, tree = lineage(apprentice.person)

    assert ancestors == [master.person]
    assert [node.person for node in tree.children] == [grand_apprentice.person]
    assert tree.children[0].generation == 1
