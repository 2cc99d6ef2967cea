"""CKAN's dictionaries for the open catalog: datasets are packages, producing units organizations,
catalog categories groups, keywords tags, and the files (or the authorised API) resources. Ids are stable
UUIDs: the entry's own for a package, and name-based UUIDs (uuid5) for the rest."""

import uuid

from django.utils import timezone

from catalog.models import Category, OpenType
from dataplatform.core.models import Unit

from .downloads import FORMATS
from .models import OpenEntry

NAMESPACE = uuid.UUID("5b0e3c1e-0f51-4d6a-9a53-7c1f0e0b3a11")


def _iso(moment) -> str | None:
    return timezone.localtime(moment).replace(tzinfo=None).isoformat() if moment else None


def org_name(unit: Unit) -> str:
    return unit.credit_code.lower()


def organization_dict(unit: Unit, *, package_count: int | None = None) -> dict:
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"org:{unit.credit_code}")),
        "name": org_name(unit),
        "title": unit.name,
        "display_name": unit.name,
        "description": unit.get_kind_display(),
        "type": "organization",
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "image_url": "",
        "image_display_url": "",
        "created": _iso(unit.created_at),
        **({"package_count": package_count} if package_count is not None else {}),
    }


def group_dict(category: str, package_count: int | None = None) -> dict:
    title = str(Category(category).label)
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"group:{category}")),
        "name": category,
        "title": title,
        "display_name": title,
        "description": "",
        "type": "group",
        "is_organization": False,
        "state": "active",
        "image_display_url": "",
        **({"package_count": package_count} if package_count is not None else {}),
    }


def tag_dict(tag: str) -> dict:
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"tag:{tag}")),
        "name": tag,
        "display_name": tag,
        "state": "active",
        "vocabulary_id": None,
    }


def resource_dicts(entry: OpenEntry, base: str) -> list[dict]:
    page = f"{base}open/datasets/{entry.slug}/"
    if entry.open_type == OpenType.UNIVERSAL:
        files = [(fmt, f"{page}download.{fmt}", media.split(";")[0]) for fmt, media in FORMATS.items()]
    else:
        files = [("api", f"{base}api/v1/open/datasets/{entry.slug}/records/", "application/json")]
    return [
        {
            "id": str(uuid.uuid5(entry.uuid, fmt)),
            "package_id": str(entry.uuid),
            "name": f"{entry.resource.name} ({fmt.upper()})",
            "description": "",
            "format": fmt.upper(),
            "mimetype": media,
            "url": url,
            "url_type": None,
            "position": position,
            "state": "active",
            "created": _iso(entry.opened_at),
            "last_modified": _iso(entry.resource.last_aggregated_at),
            "metadata_modified": _iso(entry.updated_at),
            "size": None,
            "hash": "",
            "datastore_active": False,
        }
        for position, (fmt, url, media) in enumerate(files)
    ]


def package_dict(entry: OpenEntry, base: str) -> dict:
    resource = entry.resource
    resources = resource_dicts(entry, base)
    tags = [tag_dict(tag) for tag in entry.tags]
    return {
        "id": str(entry.uuid),
        "name": entry.slug,
        "title": resource.name,
        "notes": resource.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "isopen": entry.open_type == OpenType.UNIVERSAL,
        "url": f"{base}open/datasets/{entry.slug}/",
        "version": str(resource.published_version or ""),
        "author": resource.producer.name,
        "author_email": None,
        "maintainer": resource.producer.name,
        "maintainer_email": None,
        "license_id": entry.licence.lower(),
        "license_title": entry.licence,
        "license_url": "https://creativecommons.org/licenses/by/4.0/",
        "metadata_created": _iso(entry.opened_at),
        "metadata_modified": _iso(entry.updated_at),
        "creator_user_id": None,
        "owner_org": organization_dict(resource.producer)["id"],
        "organization": organization_dict(resource.producer),
        "groups": [group_dict(resource.category)],
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": [
            {"key": "open_type", "value": entry.open_type},
            {"key": "update_frequency", "value": resource.update_frequency},
            {"key": "source_unit", "value": resource.producer.name},
            {"key": "acquired_on", "value": _iso(resource.last_aggregated_at) or ""},
        ],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
