import pytest

from linli.people import selectors
from linli.people.services import resident_create
from tests.factories import HouseholdFactory


@pytest.fixture
def people(tree, secretary):
    home = HouseholdFactory(parent=tree.building1, name="5单元101", unit="5", room="101")
    other_home = HouseholdFactory(parent=tree.other_building, name="101")
    names = {"代正菊": "13800001111", "杨声芬": "13800002222", "戴中军": "13800003333"}
    made = {
        name: resident_create(actor=secretary, household=home, name=name, phone=phone)
        for name, phone in names.items()
    }
    from linli.core.actors import SYSTEM

    resident_create(actor=SYSTEM, household=other_home, name="代正菊", phone="13800004444")
    return made


def _names(actor, q):
    return sorted(r.name for r in selectors.resident_list(actor, query=q))


@pytest.mark.django_db
def test_search_by_initials_full_pinyin_name_and_phone_tail(secretary, people):
    assert _names(secretary, "dzj") == ["代正菊", "戴中军"]
    assert _names(secretary, "DZJ") == ["代正菊", "戴中军"]
    assert _names(secretary, "daizheng") == ["代正菊"]
    assert _names(secretary, "正菊") == ["代正菊"]
    assert _names(secretary, "2222") == ["杨声芬"]
    assert _names(secretary, "ysf") == ["杨声芬"]
    assert _names(secretary, "zzz") == []


@pytest.mark.django_db
def test_search_stays_within_the_searchers_places(secretary, outsider, people):
    # The other community's 代正菊 (phone 4444) is not found from 和平社区, and vice versa.
    assert _names(secretary, "4444") == []
    assert _names(outsider, "dzj") == ["代正菊"]
    assert [r.phone for r in selectors.resident_list(outsider, query="dzj")] == ["13800004444"]
