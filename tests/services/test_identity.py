from datetime import date

import pytest

from app.services import identity


@pytest.mark.parametrize("number, birth, sex", [
    ("11010519491231002X", date(1949, 12, 31), "F"),  # the sample of GB 11643-1999
    ("440524198001010013", date(1980, 1, 1), "M"),
    ("110101199003071014", date(1990, 3, 7), "M"),
])
def test_valid_numbers_give_birth_date_and_sex(number, birth, sex):
    parsed = identity.parse_resident_id(number)
    assert (parsed.birth_date, parsed.sex) == (birth, sex)


def test_lower_case_x_and_spaces_are_accepted():
    assert identity.parse_resident_id(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize("number, message", [
    ("110105194912310021", "校验位"),     # wrong check character
    ("11010519491231002", "18位"),        # 17 digits
    ("1101051949123100211", "18位"),      # 19 digits
    ("11010519491231002Y", "18位"),       # not a digit or X
    ("110105194913310029", "出生日期"),   # month 13
    ("", "18位"),
])
def test_invalid_numbers_are_refused_with_a_reason(number, message):
    first17 = number[:17]
    if len(number) == 18 and first17.isdigit() and message == "出生日期":
        number = first17 + identity.id_check_char(first17)  # make only the date wrong
    with pytest.raises(ValueError, match=message):
        identity.parse_resident_id(number)


def test_check_character_follows_iso_7064():
    assert identity.id_check_char("11010519491231002") == "X"
    assert identity.id_check_char("44052419800101001") == "3"


def test_age_counts_birthdays():
    parsed = identity.parse_resident_id("11010519491231002X")
    assert parsed.age_on(date(2026, 12, 30)) == 76
    assert parsed.age_on(date(2026, 12, 31)) == 77


@pytest.mark.parametrize("raw, phone", [("13800138000", "13800138000"), ("+86 138-0013-8000", "13800138000")])
def test_phones_are_normalised(raw, phone):
    assert identity.normalize_phone(raw) == phone


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "abc", ""])
def test_bad_phones_are_refused(raw):
    with pytest.raises(ValueError):
        identity.normalize_phone(raw)


def test_encryption_round_trip_and_keyed_hash(app):
    token = identity.encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert identity.decrypt(token) == "11010519491231002X"
    assert identity.keyed_hash("11010519491231002X") == identity.keyed_hash("11010519491231002X")
    assert identity.keyed_hash("11010519491231002X") != identity.keyed_hash("440524198001010013")


def test_masks_hide_the_middle():
    assert identity.mask_id_number("11010519491231002X") == "1****************X"
    assert identity.mask_phone("13800138000") == "138****8000"
    assert identity.mask_id_number("") == "*" * 18


@pytest.mark.parametrize("name, shown", [("", "*"), ("伟", "*"), ("张伟", "张*"), ("欧阳春花", "欧**花")])
def test_names_are_masked_one_way_on_every_list(name, shown):
    from app.masking import mask
    from app.models import Volunteer
    assert mask(name) == shown and Volunteer(name=name).masked_name == shown


def test_hours_are_seconds_rounded_to_two_places_everywhere():
    from app.hours import hours, seconds
    assert hours(5400) == 1.5 and hours(None) == 0 and hours(100) == 0.03
    assert hours(100, places=None) == 100 / 3600 and seconds(300) == 300 * 3600
