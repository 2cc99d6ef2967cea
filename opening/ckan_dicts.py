"""CKAN's dictionaries for the open catalog: datasets are packages, producing units organizations,
catalog categories groups, keywords tags, and the files (or the authorised API) resources. Ids are stable
UUIDs: the entry's own for a package, and name-based UUIDs (uuid5) for the rest.

Every text comes from the reviewed version (``opening.public``), never a revision's draft. Times are UTC
without an offset, as CKAN prints them. ``metadata_modified`` is the last published change: the entry's
opening decision or the catalog entry's last publication, whichever is later, so that a harvester asking
for ``metadata_modified:[<last run> TO *]`` sees every published revision.
"""

import datetime as dt
import uuid

from catalog.models import Category, OpenType
from dataplatform.core.models import Unit

from .downloads import FORMATS
from .models import OpenEntry
from .public import PublicDataset, public_dataset

NAMESPACE = uuid.UUID("5b0e3c1e-0f51-4d6a-9a53-7c1f0e0b3a11")

# CKAN's default licence register (ckan/model/license.py), as license_list answers it: every value a string.
_OD = "http://www.opendefinition.org/licenses/"
_REGISTER = [
    ("notspecified", "License not specified", "", "", "True", "not reviewed"),
    ("odc-pddl", "Open Data Commons Public Domain Dedication and License (PDDL)", _OD + "odc-pddl", "data", "False", "approved"),  # noqa: E501
    ("odc-odbl", "Open Data Commons Open Database License (ODbL)", _OD + "odc-odbl", "data", "False", "approved"),  # noqa: E501
    ("odc-by", "Open Data Commons Attribution License", _OD + "odc-by", "data", "False", "approved"),
    ("cc-zero", "Creative Commons CCZero", _OD + "cc-zero", "content data", "False", "approved"),
    ("cc-by", "Creative Commons Attribution", _OD + "cc-by", "", "False", "approved"),
    ("cc-by-sa", "Creative Commons Attribution Share-Alike", _OD + "cc-by-sa", "content", "False", "approved"),  # noqa: E501
    ("gfdl", "GNU Free Documentation License", _OD + "gfdl", "content", "False", "approved"),
    ("other-open", "Other (Open)", "", "content", "True", "approved"),
    ("other-pd", "Other (Public Domain)", "", "content", "True", "approved"),
    ("other-at", "Other (Attribution)", "", "content", "True", "approved"),
    ("uk-ogl", "UK Open Government Licence (OGL)", "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", "content", "False", "approved"),  # noqa: E501
    ("cc-nc", "Creative Commons Non-Commercial (Any)", "http://creativecommons.org/licenses/by-nc/2.0/", "", "False", "not reviewed"),  # noqa: E501
    ("other-nc", "Other (Non-Commercial)", "", "", "True", "not reviewed"),
    ("other-closed", "Other (Not Open)", "", "", "True", "not reviewed"),
]  # fmt: skip
LICENSES = {
    id_: {
        "domain_content": str("content" in domains),
        "id": id_,
        "domain_data": str("data" in domains),
        "domain_software": "False",
        "family": "",
        "is_generic": generic,
        "od_conformance": conformance,
        "osd_conformance": "not reviewed",
        "maintainer": "",
        "status": "active",
        "url": url,
        "title": title,
    }
    for id_, title, url, domains, generic, conformance in _REGISTER
}
# The platform's licence values (SPDX-like, any case) onto CKAN's register: a harvesting CKAN knows
# only these ids, and drops any other.
_PLATFORM_LICENCES = {
    "cc-by": "cc-by",
    "cc-by-4.0": "cc-by",
    "cc-by-3.0": "cc-by",
    "cc0": "cc-zero",
    "cc0-1.0": "cc-zero",
    "cc-zero": "cc-zero",
    "odc-by": "odc-by",
    "odc-by-1.0": "odc-by",
    "odbl": "odc-odbl",
    "odbl-1.0": "odc-odbl",
    "odc-odbl": "odc-odbl",
    "pddl": "odc-pddl",
    "pddl-1.0": "odc-pddl",
    "odc-pddl": "odc-pddl",
    "cc-by-sa": "cc-by-sa",
    "cc-by-sa-4.0": "cc-by-sa",
    "cc-by-nc": "cc-nc",
    "cc-by-nc-4.0": "cc-nc",
    "gfdl": "gfdl",
}


def license_id(licence: str) -> str:
    key = licence.strip().lower().replace(" ", "-")
    if key in LICENSES:
        return key
    return _PLATFORM_LICENCES.get(key, "notspecified" if not key else "other-at")


def utc(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat() if moment else None


def metadata_modified(entry: OpenEntry) -> dt.datetime | None:
    moments = [entry.opened_at, entry.decided_at, entry.resource.published_at]
    return max((m for m in moments if m is not None), default=None)


def org_name(unit: Unit) -> str:
    return unit.credit_code.lower()


def org_id(unit: Unit) -> str:
    return str(uuid.uuid5(NAMESPACE, f"org:{unit.credit_code}"))


def group_id(category: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"group:{category}"))


def organization_dict(unit: Unit, *, package_count: int | None = None) -> dict:
    return {
        "id": org_id(unit),
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
        "created": utc(unit.created_at),
        "num_followers": 0,
        **({"package_count": package_count} if package_count is not None else {}),
    }


def group_title(category: str) -> str:
    try:
        return str(Category(category).label)
    except ValueError:
        return category


def group_dict(category: str, package_count: int | None = None) -> dict:
    title = group_title(category)
    return {
        "id": group_id(category),
        "name": category,
        "title": title,
        "display_name": title,
        "description": "",
        "type": "group",
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "image_url": "",
        "image_display_url": "",
        "num_followers": 0,
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


def formats_of(open_type: str) -> list[str]:
    """The distributions' formats: the files of a universally open entry, or the authorised API."""
    return [fmt.upper() for fmt in FORMATS] if open_type == OpenType.UNIVERSAL else ["API"]


def resource_dicts(entry: OpenEntry, base: str, public: PublicDataset | None = None) -> list[dict]:
    public = public or public_dataset(entry)
    page = f"{base}open/datasets/{entry.slug}/"
    if entry.open_type == OpenType.UNIVERSAL:
        files = [(fmt, f"{page}download.{fmt}", media.split(";")[0]) for fmt, media in FORMATS.items()]
    else:
        files = [("api", f"{base}api/v1/open/datasets/{entry.slug}/records/", "application/json")]
    modified = utc(metadata_modified(entry))
    return [
        {
            "id": str(uuid.uuid5(entry.uuid, fmt)),
            "package_id": str(entry.uuid),
            "name": f"{public.name} ({fmt.upper()})",
            "description": "",
            "format": fmt.upper(),
            "mimetype": media,
            "url": url,
            "url_type": None,
            "position": position,
            "state": "active",
            "created": utc(entry.opened_at),
            "last_modified": utc(entry.resource.last_aggregated_at),
            "metadata_modified": modified,
            "size": None,
            "hash": "",
            "datastore_active": False,
        }
        for position, (fmt, url, media) in enumerate(files)
    ]


def package_dict(entry: OpenEntry, base: str) -> dict:
    public = public_dataset(entry)  # the reviewed text: a revision in draft never shows
    producer = entry.resource.producer
    resources = resource_dicts(entry, base, public)
    tags = [tag_dict(tag) for tag in entry.tags]
    licence = LICENSES[license_id(entry.licence)]
    return {
        "id": str(entry.uuid),
        "name": entry.slug,
        "title": public.name,
        "notes": public.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "isopen": entry.open_type == OpenType.UNIVERSAL and licence["od_conformance"] == "approved",
        "url": f"{base}open/datasets/{entry.slug}/",
        "version": str(entry.resource.published_version or ""),
        "author": producer.name,
        "author_email": None,
        "maintainer": producer.name,
        "maintainer_email": None,
        "license_id": licence["id"],
        "license_title": licence["title"],
        **({"license_url": licence["url"]} if licence["url"] else {}),
        "metadata_created": utc(entry.opened_at),
        "metadata_modified": utc(metadata_modified(entry)),
        "creator_user_id": None,
        "owner_org": org_id(producer),
        "organization": organization_dict(producer),
        "groups": [group_dict(public.category)],
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": [
            {"key": "open_type", "value": entry.open_type},
            {"key": "update_frequency", "value": public.update_frequency},
            {"key": "source_unit", "value": producer.name},
            {"key": "resource_code", "value": public.code},
            {"key": "licence", "value": entry.licence},
            {"key": "acquired_on", "value": utc(entry.resource.last_aggregated_at) or ""},
        ],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }
