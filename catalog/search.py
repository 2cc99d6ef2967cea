"""Chinese-aware search over the catalog: jieba segments the text, the database matches words."""

import logging

import jieba

from .models import Resource

jieba.setLogLevel(logging.WARNING)


def segment(text: str) -> str:
    """Words separated by spaces: 人口基本信息 → 人口 基本 信息 人口基本信息 …"""
    return " ".join(word.strip().lower() for word in jieba.cut_for_search(text) if word.strip())


def resource_index(resource: Resource) -> None:
    """Store the segmented words of an entry's name, description, unit and data items."""
    parts = [resource.code, resource.name, resource.description, resource.producer.name]
    parts += [f"{item.label} {item.name} {item.description}" for item in resource.items.all()]
    resource.search_text = segment(" ".join(parts))
    Resource.objects.filter(pk=resource.pk).update(search_text=resource.search_text)
