"""Cron schedules as Kubernetes CronJobs read them (five fields, or @hourly, @daily, …): whether
one is valid, and the longest wait between two of its runs, which tells when a store's last
backup is overdue. Pure functions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
_NAMES = {
    3: {name: number + 1 for number, name in enumerate(_MONTHS)},
    4: {name: number for number, name in enumerate(_WEEKDAYS)},
}
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_FIELD = re.compile(r"^(\*|[a-z0-9]+(-[a-z0-9]+)?)(/[0-9]+)?$")
MAX_LENGTH = 100


class CronError(ValueError):
    pass


def cron_problem(expression: str) -> str | None:
    """None when Kubernetes would run this schedule, else what is wrong with it."""
    try:
        _longest_gap(expression.strip().lower())
    except CronError as exc:
        return str(exc)
    return None


def longest_gap(expression: str) -> timedelta:
    """The longest time between two runs of a valid schedule (over a year of runs)."""
    return _longest_gap(expression.strip().lower())


@lru_cache(maxsize=64)
def _longest_gap(expression: str) -> timedelta:
    minutes, hours, days, months, weekdays, any_day, any_weekday = _parse(expression)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    previous: datetime | None = None
    first: datetime | None = None
    gap = timedelta(0)
    for offset in range(366 * 2):
        day = start + timedelta(days=offset)
        if day.month not in months:
            continue
        day_match = day.day in days
        weekday_match = (day.isoweekday() % 7) in weekdays
        # cron: when both day fields are restricted, either one matching is enough.
        if any_day or any_weekday:
            matches = day_match and weekday_match
        else:
            matches = day_match or weekday_match
        if not matches:
            continue
        for hour in sorted(hours):
            for minute in sorted(minutes):
                run = day.replace(hour=hour, minute=minute)
                if previous is not None:
                    gap = max(gap, run - previous)
                first = first or run
                previous = run
    if previous is None or first is None:
        raise CronError("the schedule never runs")
    # A schedule that runs once a year or less shows no gap inside the window.
    return gap if gap else timedelta(days=366)


def _parse(
    expression: str,
) -> tuple[set[int], set[int], set[int], set[int], set[int], bool, bool]:
    text = expression.strip().lower()
    if not text or len(text) > MAX_LENGTH:
        raise CronError(f"must be a cron schedule of at most {MAX_LENGTH} characters")
    text = MACROS.get(text, text)
    if text.startswith("@"):
        raise CronError(f"unknown macro {text!r}; use one of {', '.join(sorted(MACROS))}")
    fields = text.split()
    if len(fields) != 5:
        raise CronError("must have five fields: minute hour day-of-month month day-of-week")
    parsed = [_field(value, index) for index, value in enumerate(fields)]
    weekdays = {d % 7 for d in parsed[4]}
    if not parsed[2] or not parsed[3]:
        raise CronError("the schedule never runs")
    return (
        parsed[0],
        parsed[1],
        parsed[2],
        parsed[3],
        weekdays,
        fields[2] == "*",
        fields[4] == "*",
    )


def _field(value: str, index: int) -> set[int]:
    low, high = _RANGES[index]
    result: set[int] = set()
    for part in value.split(","):
        if not _FIELD.match(part):
            raise CronError(f"field {index + 1} ({value!r}) is not a cron field")
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise CronError(f"field {index + 1}: a step must be at least 1")
        if body == "*":
            start, end = low, high
        else:
            first, _, last = body.partition("-")
            start = _number(first, index)
            end = _number(last, index) if last else (high if step_text else start)
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise CronError(f"field {index + 1} ({value!r}) must lie within {low}-{high}")
        result.update(range(start, end + 1, step))
    return result


def _number(text: str, index: int) -> int:
    if text.isdigit():
        return int(text)
    names = _NAMES.get(index, {})
    if text in names:
        return names[text]
    raise CronError(f"field {index + 1}: {text!r} is not a number")
