"""Factories for tests: small functions that make valid objects with sensible defaults.

The people, units and regions every app needs are here (``factories.unit(...)``); each app's own
factories and sample data are in a module of the same name: ``tests.factories.catalog``,
``tests.factories.sharing``, ``tests.factories.correction``, ``tests.factories.opening``,
``tests.factories.audit``, ``tests.factories.governance``. Fixtures stay in the conftest files; a test
imports plain functions and data from here, never from a conftest.
"""

import itertools

from dataplatform.core.demo.core import credit_code
from dataplatform.core.models import IdentityStatus, Region, Unit, User
from dataplatform.core.models.units import Level, UnitKind
from dataplatform.core.people import role_assign

_seq = itertools.count(1)


def region(code: str = "350500", name: str = "泉州市", level: str = Level.CITY, parent=None) -> Region:
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return obj


def county(code: str = "350582", name: str = "晋江市") -> Region:
    return region(code=code, name=name, level=Level.COUNTY, parent=region())


def unit(
    name: str | None = None, kind: str = UnitKind.GOVERNMENT, region_: Region | None = None, **extra
) -> Unit:
    n = next(_seq)
    region_ = region_ or region()
    extra.setdefault("identity_status", IdentityStatus.VERIFIED)  # made by an administrator, as in the demo
    return Unit.objects.create(
        name=name or f"测试单位{n}",
        kind=kind,
        region=region_,
        level=region_.level,
        credit_code=credit_code("11", region_.code, f"T{n:08d}"),
        **extra,
    )


def person(unit_: Unit | None = None, *roles: str, username: str | None = None, password: str = "pw") -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=username or f"user{n}", password=password, real_name=f"测试{n}", unit=unit_
    )
    for role in roles:
        role_assign(actor=None, user=user, role=role)
    return user
