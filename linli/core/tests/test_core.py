import pytest

from linli.core.errors import ValidationFailed
from linli.core.masking import mask_name
from linli.core.phones import mask_mobile, normalize_mobile
from linli.core.pinyin import pinyin_keys


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13900000001", "13900000001"),
        ("139 0000 0001", "13900000001"),
        ("139-0000-0001", "13900000001"),
        ("+86 139 0000 0001", "13900000001"),
        ("008613900000001", "13900000001"),
        (13900000001.0, "13900000001"),
        (13900000001, "13900000001"),
    ],
)
def test_normalize_mobile_accepts_what_people_type(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "12900000001", "1390000000", "139000000011", "abc"])
def test_normalize_mobile_refuses_bad_numbers_in_chinese(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_mobile(raw)
    assert "手机号" in str(exc.value)


def test_mask_mobile():
    assert mask_mobile("13900000001") == "139****0001"
    assert mask_mobile("") == ""


@pytest.mark.parametrize(
    ("name", "masked"),
    [("代正菊", "代*菊"), ("杨红", "杨*"), ("欧阳娜娜", "欧**娜"), ("王", "*"), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_pinyin_keys():
    assert pinyin_keys("代正菊") == ("daizhengju", "dzj")
    assert pinyin_keys("杨红") == ("yanghong", "yh")
    assert pinyin_keys("") == ("", "")
