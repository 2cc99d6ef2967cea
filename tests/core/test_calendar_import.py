import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from dataplatform.core.business_days import add_business_days
from dataplatform.core.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

YAML_2027 = """
year: 2027
notice: 国务院办公厅关于2027年部分节假日安排的通知
holidays:
  元旦: [2027-01-01]
  春节: 2027-02-06..2027-02-13
workdays:
  春节: [2027-02-14]
"""


def test_a_yaml_file_imports_a_year_with_ranges(tmp_path):
    path = tmp_path / "2027.yaml"
    path.write_text(YAML_2027, encoding="utf-8")
    call_command("import_calendar", str(path))
    year = CalendarYear.objects.get(year=2027)
    assert year.notice.startswith("国务院办公厅")
    assert CalendarDay.objects.filter(date__year=2027, is_workday=False).count() == 9
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 14)).is_workday
    assert add_business_days(dt.date(2027, 2, 5), 1).date == dt.date(2027, 2, 14)
    assert AuditEvent.objects.filter(action="calendar.import").exists()


def test_a_csv_file_with_a_bom_imports_a_year(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(
        "\ufeffdate,type,name\n2027-01-01,holiday,元旦\n2027-02-14,workday,春节\n", encoding="utf-8"
    )
    call_command("import_calendar", str(path), notice="国办发明电")
    assert CalendarYear.objects.get(year=2027).notice == "国办发明电"
    assert CalendarDay.objects.filter(date__year=2027).count() == 2


def test_reimporting_a_year_replaces_its_days(tmp_path):
    path = tmp_path / "2027.yaml"
    path.write_text(YAML_2027, encoding="utf-8")
    call_command("import_calendar", str(path))
    path.write_text("year: 2027\nholidays:\n  元旦: [2027-01-01]\n", encoding="utf-8")
    call_command("import_calendar", str(path))
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("name", flat=True)) == ["元旦"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("year: 2027\nworkdays:\n  x: [2027-01-05]\n", "weekday"),
        ("year: 2027\nholidays:\n  x: [2028-01-01]\n", "not in 2027"),
        ("year: 2027\nholidays:\n  x: [2027-13-01]\n", "not a date"),
        ("year: 2027\nholidays:\n  x: 2027-01-05..2027-01-01\n", "ends before it starts"),
        ("holidays: {}\n", "year"),
        ("year: [\n", "YAML"),
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_changes_nothing(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_calendar", str(path))
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="No file"):
        call_command("import_calendar", "/nonexistent/2027.yaml")


def test_seeding_from_the_package_again_adds_nothing():
    before = CalendarDay.objects.count()
    call_command("import_calendar", "--from-package")
    assert CalendarDay.objects.count() == before
