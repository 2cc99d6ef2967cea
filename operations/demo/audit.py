"""Demo audit history: three months of the events the platform records (Q8.4), so that the audit search,
the usage logs and the dashboard show something on the first run. Logins (and a few failed ones), data
interface calls under the demo grants (and refusals), verifications, approvals and refusals of
applications, aggregations and push runs, spread over the working days.

Idempotent (the seeded events carry ``detail.demo``); fast: one bulk insert, then the sealer chains them
as it chains any event. Reproducible: a fixed random seed. Run after the other seeds, whose people,
resources and grants it uses.
"""

import datetime as dt
import random
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent, Outcome
from audit.partitions import CST, partitions_ensure
from audit.services import audit_seal
from catalog.models import Resource, ServiceMethod
from dataplatform.core.models import ApiKey, User
from sharing.models import Application, Grant, GrantStatus

DAYS = 90
SEED = 20261124
PEOPLE = ["admin", "reviewer", "jj_reviewer", "evaluator", "police_admin", "market_admin", "hrss_admin"]
PEOPLE += ["nr_admin", "jj_market_admin", "university", "enterprise"]
REFUSAL_CODES = ["no_grant", "item_not_granted", "grant_suspended"]


def seed_audit(*, days: int = DAYS) -> int:
    """Create the demo history unless it exists; return the number of events created."""
    if AuditEvent.objects.filter(detail__demo=True).exists():
        return 0
    people = {user.username: user for user in User.objects.filter(username__in=PEOPLE).select_related("unit")}
    if not people:
        return 0
    today = timezone.localdate(timezone.now(), CST)
    start = today - dt.timedelta(days=days)
    partitions_ensure(since=start)  # PostgreSQL: every back-dated month in its own partition
    history = _History(random.Random(SEED), people)
    events = sorted(history.events(start, today), key=lambda event: event.occurred_at)
    with transaction.atomic():
        AuditEvent.objects.bulk_create(events, batch_size=1000)
    audit_seal(limit=len(events) + 10_000)
    return len(events)


class _History:
    def __init__(self, rng: random.Random, people: dict[str, User]) -> None:
        self.rng, self.people = rng, people
        self.grants = list(Grant.objects.select_related("unit", "resource__producer").order_by("pk"))
        self.keys = {
            key.unit_id: key for key in ApiKey.objects.filter(revoked_at__isnull=True).order_by("pk")
        }
        self.resources = list(Resource.objects.select_related("producer").order_by("pk")[:20])
        self.applications = list(Application.objects.order_by("pk")[:20])

    def events(self, start: dt.date, end: dt.date) -> Iterator[AuditEvent]:
        day = start
        while day < end:
            if day.weekday() < 5:  # the platform is used on working days
                yield from self._day(day)
            day += dt.timedelta(days=1)

    def _at(self, day: dt.date, hour_from: int = 8, hour_to: int = 18) -> dt.datetime:
        minutes = self.rng.randrange(hour_from * 60, hour_to * 60)
        return dt.datetime.combine(
            day, dt.time(minutes // 60, minutes % 60, self.rng.randrange(60)), tzinfo=CST
        )

    def _day(self, day: dt.date) -> Iterator[AuditEvent]:
        rng = self.rng
        for user in rng.sample(list(self.people.values()), k=min(len(self.people), rng.randint(3, 7))):
            yield self._person_event(user, "login", self._at(day, 8, 10))
        if rng.random() < 0.3:
            yield _event(
                action="login",
                occurred_at=self._at(day),
                outcome=Outcome.DENIED,
                actor_name="platform",
                client_ip=f"10.8.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                detail={"username": rng.choice(list(self.people))},
            )
        for grant in self.grants:
            if grant.service_method == ServiceMethod.BULK_EXCHANGE:
                if rng.random() < 0.5:
                    yield self._push_run(grant, self._at(day, 0, 3))
                continue
            if grant.status != GrantStatus.ACTIVE:  # a suspended or ended grant's calls are refused
                if rng.random() < 0.2:
                    yield self._refused_call(self._at(day), grant=grant)
                continue
            for _ in range(rng.randint(0, 12)):
                yield self._data_call(grant, self._at(day))
        if self.resources and rng.random() < 0.25:
            yield self._refused_call(self._at(day))
        if self.applications and rng.random() < 0.2:
            yield self._decision(self._at(day, 9, 17))
        if self.resources and rng.random() < 0.3:
            yield self._aggregation(self._at(day, 1, 6))
        for username in ("police_admin", "market_admin"):  # producers download their usage logs
            if username in self.people and rng.random() < 0.15:
                yield self._person_event(
                    self.people[username],
                    "audit.export",
                    self._at(day),
                    detail={"usage_log": (day - dt.timedelta(days=1)).isoformat()},
                )

    def _person_event(self, user: User, action: str, at: dt.datetime, **fields) -> AuditEvent:
        return _event(
            action=action,
            occurred_at=at,
            actor=user,
            actor_name=user.real_name or user.username,
            actor_unit=user.unit,
            client_ip=f"10.1.{(user.unit_id or 0) % 256}.{self.rng.randrange(2, 250)}",
            **fields,
        )

    def _data_call(self, grant: Grant, at: dt.datetime) -> AuditEvent:
        key = self.keys.get(grant.unit_id)
        items = list(grant.items)[: self.rng.randint(1, max(1, len(grant.items)))]
        verify = grant.service_method == ServiceMethod.VERIFICATION
        return _event(
            action="data.verify" if verify else "data.query",
            occurred_at=at,
            actor_name=f"API · {key.name}" if key else grant.unit.name,
            actor_unit=grant.unit,
            api_key=key,
            owner_unit=grant.resource.producer,
            object_type="catalog.resource",
            object_id=str(grant.resource_id),
            object_repr=str(grant.resource)[:200],
            data_items=items,
            record_count=1 if verify else self.rng.choice([1, 1, 1, 2, 5, 20]),
            purpose=grant.scenario[:300],
            client_ip=f"10.20.{grant.unit_id % 256}.{self.rng.randrange(2, 250)}",
            detail={"grant": grant.pk},
        )

    def _refused_call(self, at: dt.datetime, grant: Grant | None = None) -> AuditEvent:
        if grant is not None:
            return _event(
                action="data.query",
                occurred_at=at,
                outcome=Outcome.DENIED,
                actor_name=grant.unit.name,
                actor_unit=grant.unit,
                api_key=self.keys.get(grant.unit_id),
                owner_unit=grant.resource.producer,
                object_type="catalog.resource",
                object_id=str(grant.resource_id),
                object_repr=str(grant.resource)[:200],
                detail={"code": f"grant_{grant.status}", "grant": grant.pk},
            )
        resource = self.rng.choice(self.resources)
        caller = self.rng.choice(
            [u for u in self.people.values() if u.unit_id != resource.producer_id] or [None]
        )
        return _event(
            action="data.query",
            occurred_at=at,
            outcome=Outcome.DENIED,
            actor_name=caller.unit.name if caller and caller.unit else "api-key",
            actor_unit=caller.unit if caller else None,
            owner_unit=resource.producer,
            object_type="catalog.resource",
            object_id=str(resource.pk),
            object_repr=str(resource)[:200],
            detail={"code": self.rng.choice(REFUSAL_CODES)},
        )

    def _decision(self, at: dt.datetime) -> AuditEvent:
        application = self.rng.choice(self.applications)
        reviewer = self.people.get("reviewer") or next(iter(self.people.values()))
        refuse = self.rng.random() < 0.25
        return self._person_event(
            reviewer,
            "application.refuse" if refuse else "application.approve",
            at,
            object_type="sharing.application",
            object_id=str(application.pk),
            object_repr=str(application)[:200],
            detail={"opinion": "不符合最少够用原则" if refuse else "同意共享"},
        )

    def _aggregation(self, at: dt.datetime) -> AuditEvent:
        resource = self.rng.choice(self.resources)
        return _event(
            action="resource.aggregate",
            occurred_at=at,
            actor_name="platform",
            owner_unit=resource.producer,
            object_type="catalog.resource",
            object_id=str(resource.pk),
            object_repr=str(resource)[:200],
            record_count=self.rng.randrange(50, 5000),
        )

    def _push_run(self, grant: Grant, at: dt.datetime) -> AuditEvent:
        failed = self.rng.random() < 0.05
        return _event(
            action="push.run",
            occurred_at=at,
            outcome=Outcome.FAILED if failed else Outcome.OK,
            actor_name="platform",
            actor_unit=grant.unit,
            owner_unit=grant.resource.producer,
            object_type="sharing.grant",
            object_id=str(grant.pk),
            object_repr=str(grant)[:200],
            data_items=list(grant.items),
            record_count=0 if failed else self.rng.randrange(10, 2000),
            purpose=grant.scenario[:300],
            detail={"grant": grant.pk, "resource": grant.resource_id},
        )


def _event(*, detail: dict | None = None, **fields) -> AuditEvent:
    return AuditEvent(detail={**(detail or {}), "demo": True}, **fields)
