"""Writes for information projects (Q4.4, G50): registration with the data assets, the catalog entry
of each asset, and the approving department's readiness check."""

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from catalog.models import Resource
from dataplatform.core.actors import acts_for
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.errors import ApplicationError, Forbidden
from dataplatform.core.models import Unit, User
from dataplatform.core.people import is_government_staff

from .models import InfoProject, ProjectAsset, ProjectStage
from .readiness import Readiness, project_readiness
from .workflow import record_step


def _clean_names(names) -> list[str]:
    cleaned = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    if any(len(name) > 200 for name in cleaned):
        raise ApplicationError(_("Name each data asset in at most 200 characters."))
    return cleaned


def project_register(
    *,
    actor: User,
    code: str,
    name: str,
    approving_unit: Unit,
    assets: list[str],
    description: str = "",
    fiscal_funds: bool = True,
    request=None,
) -> InfoProject:
    """A unit registers its project at feasibility stage, listing the data assets it will produce."""
    if not is_government_staff(actor) or actor.unit is None:  # (staff always have their unit)
        raise Forbidden(_("A government unit's data administrator registers its projects."))
    unit = actor.unit
    if approving_unit.pk == unit.pk:
        raise ApplicationError(_("The approving department is another unit than the project unit."))
    if InfoProject.objects.filter(code=code.strip()).exists():
        raise ApplicationError(_("A project %(code)s is already registered.") % {"code": code})
    with transaction.atomic():
        project = InfoProject.objects.create(
            code=code.strip(),
            name=name.strip(),
            unit=unit,
            approving_unit=approving_unit,
            description=description.strip(),
            fiscal_funds=fiscal_funds,
            created_by=actor,
        )
        names = _clean_names(assets)
        ProjectAsset.objects.bulk_create([ProjectAsset(project=project, name=n) for n in names])
        record_step(project, "register", "", actor=actor, request=request, detail={"assets": names})
    return project


def _check_project_unit(actor, project: InfoProject) -> None:
    if not acts_for(actor, project.unit_id):
        raise Forbidden(_("Only the project unit's data administrator does this."))


def _locked(project: InfoProject) -> InfoProject:
    return InfoProject.objects.select_for_update().get(pk=project.pk)


def project_asset_add(
    *, actor: User, project: InfoProject, name: str, description: str = "", request=None
) -> ProjectAsset:
    """Q4.4: the data assets are made explicit at the feasibility stage, so they are listed then."""
    _check_project_unit(actor, project)
    names = _clean_names([name])
    if not names:
        raise ApplicationError(_("Name the data asset."))
    with transaction.atomic():
        project = _locked(project)
        if project.status != ProjectStage.FEASIBILITY:
            raise ApplicationError(_("Data assets are listed at the feasibility stage (Q4.4)."))
        if project.assets.filter(name=names[0]).exists():
            raise ApplicationError(_("%(name)s is already listed.") % {"name": names[0]})
        asset = ProjectAsset.objects.create(
            project=project, name=names[0], description=description.strip()[:500]
        )
        audit_record(
            action=AuditAction.GOVERNANCE_PROJECT_ASSET_ADD,
            actor=actor,
            request=request,
            target=project,
            owner_unit=project.unit,
            detail={"asset": asset.name},
        )
    return asset


def project_asset_link(
    *, actor: User, asset: ProjectAsset, resource: Resource | None, request=None
) -> ProjectAsset:
    """Name the catalog entry that registers an asset: an entry of the project unit's own catalog."""
    project = asset.project
    _check_project_unit(actor, project)
    if resource is not None and resource.producer_id != project.unit_id:
        raise ApplicationError(_("An asset is registered in the project unit's own catalog."))
    with transaction.atomic():
        project = _locked(project)  # the stage is read under the lock acceptance takes too
        if project.status == ProjectStage.ACCEPTED:
            raise ApplicationError(_("The project is accepted; its assets no longer change."))
        asset.resource = resource
        asset.save(update_fields=["resource"])
        audit_record(
            action=AuditAction.GOVERNANCE_PROJECT_ASSET_LINK,
            actor=actor,
            request=request,
            target=project,
            owner_unit=project.unit,
            detail={"asset": asset.name, "resource": resource.code if resource else None},
        )
    return asset


def project_readiness_check(*, actor, project: InfoProject, request=None) -> Readiness:
    """The approving department's "ready for acceptance" check (by API key or in person), audited."""
    readiness = project_readiness(project)
    with transaction.atomic():
        audit_record(
            action=AuditAction.GOVERNANCE_PROJECT_READINESS_CHECK,
            actor=actor,
            request=request,
            target=project,
            owner_unit=project.unit,
            detail={
                "ready": readiness.ready,
                "missing": {a.asset.name: list(a.missing) for a in readiness.assets if a.missing},
            },
        )
    return readiness
