"""Household roster (住户名册) import and export as .xlsx.

The import is all-or-nothing: every row is checked first, and if any row is bad nothing is
written and every bad row is reported with its reason. A good file may be imported again: rooms
already on the roster are updated in place, so a retry never duplicates a household.

A file is bounded before it is read (unpacked size) and while it is read (``ROSTER_MAX_ROWS``
households, six columns): a 2 MB file of 100,000 rows is refused at row 5,001 instead of being
checked for a minute. Exported cells go through ``exports.safe_cell``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from zipfile import BadZipFile, ZipFile

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from cms.services import ServiceError

from ..exports import read_cell, safe_cell
from ..models import Building, Household, Owner
from ..phones import display_phone, normalize_phone

# The template's headers are in Chinese: the file is filled in by community staff.
COLUMNS = ["楼栋", "单元", "房号", "专有部分面积(㎡)", "业主姓名", "业主电话"]
COLUMN_HELP = [
    gettext_lazy("building, as listed for the community (e.g. 1号楼)"),
    gettext_lazy("unit (e.g. 1单元)"),
    gettext_lazy("room (e.g. 101)"),
    gettext_lazy("exclusive floor area in square metres, a positive number"),
    gettext_lazy("owners' names; separate co-owners with 、"),
    gettext_lazy("owners' phones in the same order (optional)"),
]
SEPARATORS = ("、", ",", "，", ";", "；", "/")


@dataclass
class RosterRow:
    line: int
    building: str
    unit: str
    room: str
    area: Decimal
    owners: list[tuple[str, str]]


@dataclass
class RosterError:
    line: int
    reasons: list[str]


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    owners: int = 0
    errors: list[RosterError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RosterInvalid(Exception):
    def __init__(self, errors: list[RosterError]):
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors

    @property
    def total(self) -> int:
        return len(self.errors)

    def shown(self) -> list[RosterError]:
        """The errors a page or the command lists; the rest are only counted."""
        return self.errors[: max_errors_shown()]


def max_rows() -> int:
    return int(getattr(settings, "ROSTER_MAX_ROWS", 5000))


def max_errors_shown() -> int:
    return int(getattr(settings, "ROSTER_MAX_ERRORS_SHOWN", 50))


def max_unpacked_bytes() -> int:
    """An .xlsx is a zip: a small upload may unpack to gigabytes that openpyxl would hold."""
    return int(getattr(settings, "ROSTER_MAX_UNPACKED_BYTES", 50 * 1024 * 1024))


def _file_error(message: str) -> RosterInvalid:
    return RosterInvalid([RosterError(0, [message])])


def _text(value) -> str:
    value = read_cell(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _split(value: str) -> list[str]:
    for sep in SEPARATORS[1:]:
        value = value.replace(sep, SEPARATORS[0])
    return [part.strip() for part in value.split(SEPARATORS[0]) if part.strip()]


def read_rows(data: bytes) -> Iterable[tuple[int, tuple]]:
    """Yield (spreadsheet line number, cell values) for each non-empty data row, at most ``max_rows()``."""
    try:
        unpacked = sum(info.file_size for info in ZipFile(BytesIO(data)).infolist())
    except (BadZipFile, OSError, ValueError):
        unpacked = 0  # openpyxl below says the file cannot be read
    if unpacked > max_unpacked_bytes():
        raise _file_error(
            _("This file unpacks to more than %(mb)d MB; a roster of %(rows)d households is far smaller.")
            % {"mb": max_unpacked_bytes() // (1024 * 1024), "rows": max_rows()}
        )
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, Exception) as exc:  # noqa: B014
        raise RosterInvalid(
            [
                RosterError(
                    0,
                    [
                        _("This is not an .xlsx file that can be read (%(error)s).")
                        % {"error": type(exc).__name__}
                    ],
                )
            ]
        ) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(max_col=len(COLUMNS), values_only=True)
    header = [_text(c) for c in next(rows, ())]
    if header[: len(COLUMNS)] != COLUMNS:
        workbook.close()
        raise RosterInvalid(
            [
                RosterError(
                    1,
                    [
                        _("The first row must be the template's headers: %(headers)s.")
                        % {"headers": "、".join(COLUMNS)}
                    ],
                )
            ]
        )
    count = 0
    for number, values in enumerate(rows, start=2):
        values = tuple(values) + (None,) * (len(COLUMNS) - len(values))
        if all(_text(v) == "" for v in values[: len(COLUMNS)]):
            continue
        count += 1
        if count > max_rows():
            workbook.close()
            raise _file_error(
                _(
                    "The file has more than %(max)d households (row %(line)d is one too many); nothing "
                    "was imported. Split the roster into files of at most %(max)d rows."
                )
                % {"max": max_rows(), "line": number}
            )
        yield number, values[: len(COLUMNS)]
    workbook.close()


def validate_rows(
    community, raw_rows: Iterable[tuple[int, tuple]]
) -> tuple[list[RosterRow], list[RosterError]]:
    buildings = set(Building.objects.filter(community=community).values_list("name", flat=True))
    seen: dict[tuple[str, str, str], int] = {}
    good: list[RosterRow] = []
    errors: list[RosterError] = []
    for line, values in raw_rows:
        building, unit, room, area_raw, names_raw, phones_raw = (_text(v) for v in values)
        reasons = []
        if not building:
            reasons.append(_("building is missing"))
        elif building not in buildings:
            reasons.append(_("unknown building “%(building)s”") % {"building": building})
        if not unit:
            reasons.append(_("unit is missing"))
        if not room:
            reasons.append(_("room is missing"))
        area = None
        try:
            area = Decimal(area_raw.replace("㎡", "").replace("m²", "").strip())
            if not area.is_finite() or area <= 0:
                raise InvalidOperation
            area = area.quantize(Decimal("0.01"))
            if area >= Decimal("10000000"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            reasons.append(_("area “%(area)s” is not a positive number") % {"area": area_raw})
        names = _split(names_raw)
        phones = _split(phones_raw)
        if not names:
            reasons.append(_("no owner is named"))
        elif len(set(names)) != len(names):
            reasons.append(_("an owner is named twice"))
        if phones and len(phones) != len(names):
            reasons.append(_("the number of phones does not match the number of owners"))
        for i, phone in enumerate(phones):
            try:
                phones[i] = normalize_phone(phone)
            except ServiceError as error:
                reasons.append(error.message)
        key = (building, unit, room)
        if building and unit and room:
            if key in seen:
                reasons.append(_("duplicate room: already on line %(line)s") % {"line": seen[key]})
            else:
                seen[key] = line
        if reasons:
            errors.append(RosterError(line, reasons))
        else:
            owners = [(name, phones[i] if phones else "") for i, name in enumerate(names)]
            good.append(RosterRow(line, building, unit, room, area, owners))
    return good, errors


def roster_import(
    *, community, data: bytes, progress: Callable[[int, int], None] | None = None
) -> RosterResult:
    """Check every row, then write all of them in one transaction, or raise RosterInvalid."""
    rows, errors = validate_rows(community, read_rows(data))
    if errors:
        raise RosterInvalid(errors)
    if not rows:
        raise RosterInvalid([RosterError(2, [_("The file has no households.")])])
    result = RosterResult()
    buildings = {b.name: b for b in Building.objects.filter(community=community)}
    with transaction.atomic():
        existing = {
            (h.building.name, h.unit, h.room): h
            for h in Household.objects.for_community(community)
            .select_related("building")
            .select_for_update(of=("self",))
        }
        owners_by_household: dict[int, dict[str, Owner]] = {}
        for owner in Owner.objects.for_community(community):
            owners_by_household.setdefault(owner.household_id, {})[owner.name] = owner
        to_update = []
        for index, row in enumerate(rows, start=1):
            household = existing.get((row.building, row.unit, row.room))
            if household is None:
                household = Household.objects.create(
                    building=buildings[row.building], unit=row.unit, room=row.room, area=row.area
                )
                result.created += 1
            elif household.area != row.area:
                household.area = row.area
                to_update.append(household)
                result.updated += 1
            else:
                result.unchanged += 1
            current = owners_by_household.get(household.pk, {})
            wanted = dict(row.owners)
            stale = [o.pk for name, o in current.items() if name not in wanted]
            if stale:
                Owner.objects.filter(pk__in=stale).delete()
            new = []
            for name, phone in row.owners:
                if name in current:
                    if phone and str(current[name].phone) != phone:
                        Owner.objects.filter(pk=current[name].pk).update(phone=phone)
                else:
                    new.append(Owner(household=household, name=name, phone=phone))
            Owner.objects.bulk_create(new)
            result.owners += len(row.owners)
            if progress and (index % 100 == 0 or index == len(rows)):
                progress(index, len(rows))
        Household.objects.bulk_update(to_update, ["area"], batch_size=500)
    return result


def _workbook(rows: Iterable[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "住户名册"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    for column, width in zip("ABCDEF", (12, 10, 10, 18, 24, 28), strict=True):
        sheet.column_dimensions[column].width = width
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def roster_template() -> bytes:
    return _workbook([["1号楼", "1单元", "101", 89.5, "张三、李四", "13800000000、13900000000"]])


def roster_export(*, community) -> bytes:
    households = (
        Household.objects.for_community(community)
        .select_related("building")
        .prefetch_related("owners")
        .order_by("building__name", "unit", "room")
    )
    return _workbook(
        [
            h.building.name,
            h.unit,
            h.room,
            float(h.area),
            "、".join(o.name for o in h.owners.all()),
            "、".join(display_phone(o.phone) for o in h.owners.all())
            if any(o.phone for o in h.owners.all())
            else "",
        ]
        for h in households
    )
