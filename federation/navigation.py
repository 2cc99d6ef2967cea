"""The federation's links in the navigation bar (NAVIGATION_PROVIDERS): the peers, the platform administrator's;
the other nodes' catalogs, for whoever may search the local one."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from dataplatform.core.models import Role

from .backflow import backflow_visible
from .cascade import remote_catalog_visible
from .models import RemoteDataset, RemoteStatus, levels_of


def federation_links(user) -> list[tuple[str, str]]:
    if user.has_role(Role.PLATFORM_ADMIN):
        return [(_("Federation"), reverse("federation-peers"))]
    return []


def public_links(user) -> list[tuple[str, str]]:
    """The portal's page of the lower nodes' open data (PUBLIC_NAVIGATION_PROVIDERS, and NAVIGATION_PROVIDERS
    beside opening's portal link), for everyone, once a lower node has synced a dataset here. No query while
    federation is off (no NODE_ID): nothing is synced then, and every page renders this bar."""
    if not settings.NODE_ID or not levels_of("lower"):  # off, or a county: nobody below syncs to it
        return []
    if not RemoteDataset.objects.filter(status=RemoteStatus.ACTIVE).exists():
        return []
    return [(_("Open data of the lower-level platforms"), reverse("open-network"))]


def remote_catalog_links(user) -> list[tuple[str, str]]:
    # No query while federation is off: the platform is an island then, and every page renders this bar.
    if settings.NODE_ID and remote_catalog_visible(user):
        return [(_("Other nodes' catalogs"), reverse("federation-catalog"))]
    return []


def backflow_links(user) -> list[tuple[str, str]]:
    """The back-flow applications, for a government unit's people; no query while federation is off."""
    if settings.NODE_ID and backflow_visible(user):
        return [(_("Back-flow applications"), reverse("federation-backflow-list"))]
    return []
