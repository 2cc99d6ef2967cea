"""Reads for supervision (Q9.1, G48)."""

from django.db.models import Count

from .models import DeadlineMiss


def deadline_misses_by_unit() -> list[dict]:
    """How many sharing steps each unit let go past their due date, most first."""
    return list(
        DeadlineMiss.objects.values("owing_unit", "owing_unit__name")
        .annotate(misses=Count("id"))
        .order_by("-misses", "owing_unit__name")
    )
