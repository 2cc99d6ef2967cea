"""Loading a year's holiday arrangement: from the chinesecalendar package, or from a small file
entered the day the State Council publishes its notice.

YAML::

    year: 2027
    notice: 国务院办公厅关于2027年部分节假日安排的通知
    holidays:
      元旦: [2027-01-01]
      春节: 2027-02-06..2027-02-13      # a range, both ends included
    workdays:                          # adjusted working days (调休上班)
      春节: [2027-02-14]

CSV (header required; one row a day)::

    date,type,name
    2027-01-01,holiday,元旦
    2027-02-14,workday,春节
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import CalendarDay, CalendarYear
from .models.calendar import CalendarSource

PACKAGE_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass
class YearArrangement:
    year: int
    notice: str = ""
    holidays: dict[dt.date, str] = field(default_factory=dict)
    workdays: dict[dt.date, str] = field(default_factory=dict)

    def validate(self) -> None:
        errors = []
        for day in [*self.holidays, *self.workdays]:
            if day.year != self.year:
                errors.append(f"{day} is not in {self.year}")
        for day in self.workdays:
            if day in self.holidays:
                errors.append(f"{day} is listed both as a holiday and as a working day")
            if day.weekday() < 5:
                errors.append(f"{day} is a weekday: only a Saturday or Sunday can be an adjusted working day")
        if errors:
            raise ValidationError(errors)


@transaction.atomic
def calendar_year_save(arrangement: YearArrangement, *, source: str) -> CalendarYear:
    """Replace a year's arrangement with ``arrangement``."""
    arrangement.validate()
    CalendarDay.objects.filter(date__year=arrangement.year).delete()
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=d, is_workday=False, name=n, source=source)
            for d, n in arrangement.holidays.items()
        ]
        + [
            CalendarDay(date=d, is_workday=True, name=n, source=source)
            for d, n in arrangement.workdays.items()
        ]
    )
    year, _ = CalendarYear.objects.update_or_create(
        year=arrangement.year, defaults={"source": source, "notice": arrangement.notice}
    )
    return year


def package_arrangements() -> list[YearArrangement]:
    from chinese_calendar import constants

    years: dict[int, YearArrangement] = {}
    for day, name in constants.holidays.items():
        arrangement = years.setdefault(day.year, YearArrangement(year=day.year))
        arrangement.holidays[day] = PACKAGE_NAMES_ZH.get(name, name)
    for day, name in constants.workdays.items():
        arrangement = years.setdefault(day.year, YearArrangement(year=day.year))
        arrangement.workdays[day] = f"{PACKAGE_NAMES_ZH.get(name, name)}调休"
    return [years[y] for y in sorted(years)]


def calendar_seed_from_package(*, day_model=CalendarDay, year_model=CalendarYear) -> int:
    """Seed every year the package covers that has no arrangement yet; returns how many years.

    The models can be passed in so that a data migration uses its historical models.
    """
    known = set(year_model.objects.values_list("year", flat=True))
    seeded = 0
    for arrangement in package_arrangements():
        if arrangement.year in known:
            continue
        day_model.objects.bulk_create(
            [
                day_model(date=d, is_workday=False, name=n, source=CalendarSource.PACKAGE)
                for d, n in arrangement.holidays.items()
            ]
            + [
                day_model(date=d, is_workday=True, name=n, source=CalendarSource.PACKAGE)
                for d, n in arrangement.workdays.items()
            ]
        )
        year_model.objects.create(
            year=arrangement.year, source=CalendarSource.PACKAGE, notice="chinesecalendar"
        )
        seeded += 1
    return seeded


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _expand(value: object) -> list[dt.date]:
    """A date, a list of dates, or a range written ``first..last``."""
    if isinstance(value, list):
        return [day for item in value for day in _expand(item)]
    if isinstance(value, str) and ".." in value:
        first, last = (_parse_date(part) for part in value.split("..", 1))
        if last < first:
            raise ValidationError(f"the range {value} ends before it starts")
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return [_parse_date(value)]


def _named_days(section: object, what: str) -> dict[dt.date, str]:
    if section in (None, {}):
        return {}
    if not isinstance(section, dict):
        raise ValidationError(f"'{what}' must map a holiday's name to its dates")
    return {day: str(name) for name, value in section.items() for day in _expand(value)}


def parse_yaml(text: str) -> YearArrangement:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"not valid YAML: {exc}") from exc
    except ValueError as exc:  # YAML reads 2027-13-01 as a date and fails
        raise ValidationError(f"not a date (YYYY-MM-DD): {exc}") from exc
    if not isinstance(data, dict) or "year" not in data:
        raise ValidationError("the file must give 'year', 'holidays' and 'workdays'")
    return YearArrangement(
        year=int(data["year"]),
        notice=str(data.get("notice", "")),
        holidays=_named_days(data.get("holidays"), "holidays"),
        workdays=_named_days(data.get("workdays"), "workdays"),
    )


def parse_csv(text: str, *, notice: str = "") -> YearArrangement:
    rows: Iterable[dict] = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    holidays: dict[dt.date, str] = {}
    workdays: dict[dt.date, str] = {}
    for number, row in enumerate(rows, start=2):
        kind = (row.get("type") or "").strip()
        if kind not in ("holiday", "workday"):
            raise ValidationError(f"line {number}: type must be 'holiday' or 'workday', not {kind!r}")
        target = holidays if kind == "holiday" else workdays
        target[_parse_date(row.get("date"))] = (row.get("name") or "").strip()
    years = {d.year for d in [*holidays, *workdays]}
    if len(years) != 1:
        raise ValidationError("a file holds exactly one year's arrangement")
    return YearArrangement(year=years.pop(), notice=notice, holidays=holidays, workdays=workdays)


def import_calendar_file(name: str, text: str, *, notice: str = "") -> CalendarYear:
    arrangement = parse_csv(text, notice=notice) if name.lower().endswith(".csv") else parse_yaml(text)
    if notice:
        arrangement.notice = notice
    return calendar_year_save(arrangement, source=CalendarSource.FILE)
