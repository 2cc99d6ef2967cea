"""Whether a project's data assets are ready for final acceptance (Q4.4, G50): each listed asset is
registered in the catalog (an available entry of the project unit) and aggregated (it holds records,
or, for an entry served through an interface, the interface is published)."""

from dataclasses import dataclass

from catalog.models import DataFormat, InterfaceStatus, ServiceInterface
from catalog.records import has_records
from dataplatform.core.errors import ApplicationError

from .models import InfoProject, ProjectAsset

NOT_REGISTERED = "not_registered"
NOT_PUBLISHED = "not_published"
NOT_AGGREGATED = "not_aggregated"


@dataclass(frozen=True)
class AssetReadiness:
    asset: ProjectAsset
    missing: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class Readiness:
    project: InfoProject
    assets: list[AssetReadiness]

    @property
    def ready(self) -> bool:
        return bool(self.assets) and all(asset.ready for asset in self.assets)

    @property
    def missing_count(self) -> int:
        return sum(not asset.ready for asset in self.assets)


def _aggregated(asset: ProjectAsset) -> bool:
    resource = asset.resource
    assert resource is not None  # asset_missing answers for an asset with no entry
    if resource.data_format == DataFormat.INTERFACE:
        return ServiceInterface.objects.filter(resource=resource, status=InterfaceStatus.PUBLISHED).exists()
    return has_records(resource_id=resource.pk)


def asset_missing(asset: ProjectAsset) -> tuple[str, ...]:
    if asset.resource is None:
        return (NOT_REGISTERED, NOT_AGGREGATED)
    missing = []
    if not asset.resource.is_available:
        missing.append(NOT_PUBLISHED)
    if not _aggregated(asset):
        missing.append(NOT_AGGREGATED)
    return tuple(missing)


def project_readiness(project: InfoProject) -> Readiness:
    assets = project.assets.select_related("resource")
    return Readiness(project, [AssetReadiness(asset, asset_missing(asset)) for asset in assets])


def check_ready(project: InfoProject) -> None:
    readiness = project_readiness(project)
    if not readiness.ready:
        raise ApplicationError(
            f"{readiness.missing_count} data asset(s) are not yet registered and aggregated (Q4.4).",
            extra={"code": "not_ready"},
        )
