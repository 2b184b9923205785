"""Tests for the resident ID number helpers (pure Python, no database)."""

import datetime as dt

import pytest

from alxa_dangjian.core.idnumber import (
    IdNumberInfo,
    InvalidIdNumber,
    check_consistency,
    compute_check_char,
    make_id_number,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
)

# The example number from GB 11643-1999 (Beijing Chaoyang, born 1949-12-31, sequence 002).
# Checked by hand with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
#   1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5
#   + 0*8 + 0*4 + 2*2 = 167;  167 mod 11 = 2;  "10X98765432"[2] = "X".
GB_EXAMPLE = "11010519491231002X"

# Second standard example: 440524 18800101 001, sum 195, 195 mod 11 = 8 -> "4".  Its checksum
# is right, but the birth year is before 1900, which the portal rejects.
GB_EXAMPLE_1880 = "440524188001010014"


def test_hand_checked_literal():
    assert compute_check_char(GB_EXAMPLE[:17]) == "X"
    info = parse_id_number(GB_EXAMPLE)
    assert info == IdNumberInfo(birth_date=dt.date(1949, 12, 31), gender="female")
    assert info.gender_label == "女"


def test_lower_case_x_spaces_and_full_width_accepted():
    assert parse_id_number(GB_EXAMPLE.lower()).birth_date == dt.date(1949, 12, 31)
    assert parse_id_number(" 110105 19491231 002x ").gender == "female"
    assert parse_id_number("１１０１０５１９４９１２３１００２ｘ").gender == "female"
    assert normalize_id_number(" 110105 19491231 002x\n") == GB_EXAMPLE
    assert normalize_id_number(None) == ""


@pytest.mark.parametrize("gender", ["male", "female"])
@pytest.mark.parametrize("sequence", [0, 1, 122, 123, 998, 999])
def test_make_id_number_round_trips(gender, sequence):
    birth = dt.date(1985, 3, 7)
    number = make_id_number(region="152921", birth_date=birth, sequence=sequence, gender=gender)
    assert len(number) == 18
    assert number.startswith("15292119850307")
    seq = int(number[14:17])
    assert seq in (sequence, sequence ^ 1)
    assert (seq % 2 == 1) == (gender == "male")
    assert parse_id_number(number) == IdNumberInfo(birth_date=birth, gender=gender)


def test_make_id_number_keeps_matching_sequence_and_accepts_chinese_gender():
    number = make_id_number(
        region="150221", birth_date=dt.date(1990, 1, 1), sequence=123, gender="男"
    )
    assert number[14:17] == "123"
    assert parse_id_number(number).gender == "male"
    # an even sequence for a man is bumped to the next odd code
    assert (
        make_id_number(region="150221", birth_date=dt.date(1990, 1, 1), sequence=122, gender="male")
        == number
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region": "15022", "birth_date": dt.date(1990, 1, 1), "sequence": 1, "gender": "male"},
        {"region": "15022A", "birth_date": dt.date(1990, 1, 1), "sequence": 1, "gender": "male"},
        {"region": "150221", "birth_date": dt.date(1990, 1, 1), "sequence": 1000, "gender": "male"},
        {"region": "150221", "birth_date": dt.date(1990, 1, 1), "sequence": -1, "gender": "male"},
        {"region": "150221", "birth_date": dt.date(1990, 1, 1), "sequence": 1, "gender": "x"},
        {"region": "150221", "birth_date": dt.date(1899, 1, 1), "sequence": 1, "gender": "male"},
    ],
)
def test_make_id_number_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        make_id_number(**kwargs)


def test_gender_parity():
    base = "15022119850307"
    for seq, gender in [("120", "female"), ("121", "male"), ("004", "female"), ("997", "male")]:
        first17 = base + seq
        assert parse_id_number(first17 + compute_check_char(first17)).gender == gender


def test_wrong_checksum():
    wrong = GB_EXAMPLE[:17] + "1"
    with pytest.raises(InvalidIdNumber) as excinfo:
        parse_id_number(wrong)
    assert str(excinfo.value) == "身份证号码校验位错误，请核对。"
    assert excinfo.value.code == "checksum"
    assert isinstance(excinfo.value, ValueError)


def _with_valid_check(first17):
    return first17 + compute_check_char(first17)


@pytest.mark.parametrize(
    "number",
    [
        _with_valid_check("15022119990230123"),  # 30 February
        _with_valid_check("15022119851301123"),  # month 13
        _with_valid_check("15022119850000123"),  # month/day 0
        GB_EXAMPLE_1880,  # before 1900
    ],
)
def test_bad_birth_date(number):
    with pytest.raises(InvalidIdNumber) as excinfo:
        parse_id_number(number)
    assert str(excinfo.value) == "身份证号码中的出生日期无效。"
    assert excinfo.value.code == "birth_date"


def test_future_birth_date():
    today = dt.date(2024, 5, 1)
    tomorrow = _with_valid_check("15022120240502123")
    with pytest.raises(InvalidIdNumber, match="出生日期无效"):
        parse_id_number(tomorrow, today=today)
    assert parse_id_number(tomorrow, today=dt.date(2024, 5, 2)).birth_date == dt.date(2024, 5, 2)
    with pytest.raises(InvalidIdNumber, match="出生日期无效"):
        parse_id_number(_with_valid_check("15022129990101123"))


@pytest.mark.parametrize(
    "value",
    [
        "150221850307123",  # old 15-digit number
        "1502211985030712",  # 16 digits
        "1502211985030712345",  # 19 digits
        "15022119850307123Y",  # bad check letter
        "1502211985A307123X",  # letter inside
        "X50221198503071234",
        "",
        "身份证",
    ],
)
def test_bad_format(value):
    with pytest.raises(InvalidIdNumber) as excinfo:
        parse_id_number(value)
    assert str(excinfo.value) == "身份证号码应为18位（17位数字加1位数字或X）。"
    assert excinfo.value.code == "format"


def test_messages_are_distinct():
    messages = set()
    for value in ["123", _with_valid_check("15022119990230123"), GB_EXAMPLE[:17] + "0"]:
        with pytest.raises(InvalidIdNumber) as excinfo:
            parse_id_number(value)
        messages.add(str(excinfo.value))
    assert len(messages) == 3


def test_consistency_ok():
    number = make_id_number(
        region="152921", birth_date=dt.date(1985, 3, 7), sequence=124, gender="female"
    )
    assert check_consistency(number) == []
    assert check_consistency(number, birth_date=dt.date(1985, 3, 7), gender="female") == []
    assert check_consistency(number, birth_date=dt.datetime(1985, 3, 7, 12, 0), gender="女") == []
    assert check_consistency(number, gender="") == []


def test_consistency_messages():
    number = make_id_number(
        region="152921", birth_date=dt.date(1985, 3, 7), sequence=124, gender="female"
    )
    assert check_consistency(number, birth_date=dt.date(1985, 7, 3), gender="male") == [
        "出生日期与身份证号码不一致（号码显示为1985年03月07日）。",
        "性别与身份证号码不一致（号码显示为女）。",
    ]
    assert check_consistency(GB_EXAMPLE, gender="男") == [
        "性别与身份证号码不一致（号码显示为女）。"
    ]


def test_consistency_with_invalid_number():
    assert check_consistency("123", gender="male") == [
        "身份证号码应为18位（17位数字加1位数字或X）。"
    ]


def test_mask():
    assert mask_id_number("15022119850307123x") == "150221********123X"
    assert mask_id_number(GB_EXAMPLE) == "110105********002X"
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
    assert mask_id_number("12345") == "*****"
