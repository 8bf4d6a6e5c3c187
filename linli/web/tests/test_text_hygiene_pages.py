"""Text hygiene through the pages people use most: a title or a name with a right-to-left
override or zero-width characters is stored without them; NUL is refused with a clear
message and nothing is stored (no row, no audit row); a full-width number is read as the
number it shows. (test_hostile_input walks every form; these say what happens, by example.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.activities.models import Activity
from linli.audit.models import AuditEvent
from linli.matters.models import Matter
from linli.people.models import Resident
from linli.points.models import Reward
from linli.points.tests.conftest import patrol_rule, version  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

DIRTY_TITLE = "\u202e楼道\u200b灯坏了\ufeff\u2066"
NUL_MESSAGE = "含有空字符（NUL），无法保存"


def _counts(model):
    return model.objects.count(), AuditEvent.objects.count()


def _matter_post(tree, title):
    return {
        "kind": "problem",
        "source": "resident",
        "place": tree.building1.pk,
        "title": title,
        "description": "三楼\u200d的灯\u202a不亮\r\n晚上看不见",
        "backers": "1",
        "key": "k",
    }


def test_raising_a_matter_strips_bidi_and_zero_width(client, tree, resident_user):
    client.force_login(resident_user)
    response = client.post(reverse("web:matter_new"), _matter_post(tree, DIRTY_TITLE))
    matter = Matter.objects.get()
    assert response.status_code == 302
    assert matter.title == "楼道灯坏了"
    assert matter.description == "三楼的灯不亮\n晚上看不见"


def test_raising_a_matter_with_nul_is_refused_and_stores_nothing(client, tree, resident_user):
    client.force_login(resident_user)
    before = _counts(Matter)
    response = client.post(reverse("web:matter_new"), _matter_post(tree, "楼道\x00灯坏了"))
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert _counts(Matter) == before


def test_a_matter_with_a_full_width_backers_count_and_an_overflowing_one(client, tree, leader):
    client.force_login(leader)
    data = {**_matter_post(tree, "2单元漏水"), "source": "leader", "backers": "１２"}
    assert client.post(reverse("web:matter_new"), data).status_code == 302
    assert Matter.objects.get().backers == 12
    before = _counts(Matter)
    response = client.post(reverse("web:matter_new"), {**data, "backers": "99999999999999999999"})
    assert response.status_code == 400 and "附议居民数" in response.content.decode()
    assert _counts(Matter) == before


def _reward_post(name, stock="5"):
    return {"kind": "goods", "name": name, "description": "纯棉\u200b毛巾", "price": "１０",
            "stock": stock, "per_resident_limit": "", "sponsor": "", "active": "on"}  # fmt: skip


def test_a_reward_name_is_stored_clean_and_full_width_numbers_are_read(client, tree, secretary):
    client.force_login(secretary)
    url = reverse("web:shop_reward_new") + f"?community={tree.heping.pk}"
    response = client.post(url, _reward_post("\u202e毛巾\u200b", stock="５０"))
    assert response.status_code == 302
    reward = Reward.objects.get()
    assert (reward.name, reward.description) == ("毛巾", "纯棉毛巾")
    assert (reward.price, reward.stock) == (10, 50)


@pytest.mark.parametrize(
    ("name", "stock", "message"),
    [
        ("毛\x00巾", "5", NUL_MESSAGE),
        ("毛巾", "99999999999999999999", "1000000"),  # the OverflowError of issue 10
        ("毛巾", "2147483648", "1000000"),
        ("毛巾", "-1", "0"),
        ("毛巾", "1e5", "整数"),
    ],
)
def test_a_refused_reward_says_why_and_stores_nothing(
    client, tree, secretary, name, stock, message
):
    client.force_login(secretary)
    before = _counts(Reward)
    url = reverse("web:shop_reward_new") + f"?community={tree.heping.pk}"
    response = client.post(url, _reward_post(name, stock))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _counts(Reward) == before


def _activity_post(tree, rule, title, capacity="10"):
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    return {"title": title, "description": "", "place": tree.compound1.pk, "team": "",
            "day": day, "start_time": "09:00", "end_time": "11:00", "capacity": capacity,
            "signup_required": "on", "rule": rule.pk, "points_basis": "per_activity",
            "points": "", "repeat_until": ""}  # fmt: skip


def test_publishing_an_activity_strips_the_title(client, tree, secretary, patrol_rule):  # noqa: F811
    client.force_login(secretary)
    response = client.post(
        reverse("web:activity_new"), _activity_post(tree, patrol_rule, DIRTY_TITLE, "１５")
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.title, activity.capacity) == ("楼道灯坏了", 15)


@pytest.mark.parametrize(("title", "capacity"), [("巡逻\x00", "10"), ("巡逻", "2147483648")])
def test_publishing_an_activity_with_nul_or_overflow_stores_nothing(
    client,
    tree,
    secretary,
    patrol_rule,  # noqa: F811
    title,
    capacity,
):
    client.force_login(secretary)
    before = _counts(Activity)
    response = client.post(
        reverse("web:activity_new"), _activity_post(tree, patrol_rule, title, capacity)
    )
    assert response.status_code == 400
    if "\x00" in title:
        assert NUL_MESSAGE in response.content.decode()
    assert _counts(Activity) == before


def _resident_post(tree, name, birth_year="1956"):
    return {"name": name, "phone": "", "gender": "", "birth_year": birth_year,
            "building": tree.building2.pk, "unit": "\u200b2", "room": "２０１\u202c"}  # fmt: skip


def test_registering_a_resident_strips_the_name(client, tree, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("web:resident_new"), _resident_post(tree, "\u2067张\u200b三\u2069", "１９５６")
    )
    assert response.status_code == 302
    resident = Resident.objects.get(name="张三")
    assert resident.birth_year == 1956
    assert (resident.household.unit, resident.household.room) == ("2", "201")


@pytest.mark.parametrize(
    ("name", "birth_year", "message"),
    [
        ("张\x00三", "1956", NUL_MESSAGE),
        ("\u200b\u202e", "1956", "这个字段是必填项"),  # nothing visible is no name
        ("张三", "99999999999999999999", "2100"),
    ],
)
def test_a_refused_resident_says_why_and_stores_nothing(
    client, tree, secretary, name, birth_year, message
):
    from linli.places.models import Place

    client.force_login(secretary)
    before = (*_counts(Resident), Place.objects.count())
    response = client.post(reverse("web:resident_new"), _resident_post(tree, name, birth_year))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (*_counts(Resident), Place.objects.count()) == before


def test_django_s_own_nul_message_is_ours(client):
    """Fields we do not own (a password) refuse NUL with the same clear message."""
    from django import forms

    field = forms.CharField()
    with pytest.raises(forms.ValidationError) as exc:
        field.clean("a\x00b")
    assert NUL_MESSAGE in str(exc.value)


def test_a_formula_entered_on_a_page_is_text_in_every_export(
    client, tree, secretary, resident_user
):
    """A note or a name may start with "=" (it is text); every Excel export neutralises it."""
    import io
    import uuid

    import openpyxl

    formula = "=cmd|' /C calc'!A0"
    dzj = Resident.objects.get(user=resident_user)
    client.force_login(secretary)
    rule = _rule(secretary, tree)
    response = client.post(
        reverse("web:points_award"),
        {"resident": dzj.pk, "rule": rule.pk, "points": "５", "evidence_note": formula,
         "idempotency_key": uuid.uuid4().hex},
    )  # fmt: skip
    assert response.status_code == 302
    response = client.post(reverse("web:resident_new"), _resident_post(tree, formula))
    assert response.status_code == 302
    exports = [
        reverse("web:points_ledger") + f"?community={tree.heping.pk}&format=xlsx",
        reverse("web:resident_export"),
    ]
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert "'" + formula in cells, url
        assert formula not in cells, url


def _rule(secretary, tree):
    from linli.points.choices import RuleCategory
    from linli.points.services import catalog_version_create, rule_create

    catalog = catalog_version_create(
        actor=secretary, community=tree.heping, decision="通过", decided_on=dt.date(2023, 1, 1)
    )
    return rule_create(
        actor=secretary,
        version=catalog,
        key="clean",
        name="环境整治",
        category=RuleCategory.ENVIRONMENT,
        points_min=1,
        points_max=10,
        active_from=dt.date(2023, 1, 1),
    )
