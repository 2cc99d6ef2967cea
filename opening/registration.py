"""A public organization registers for on-application open data (Q6.4): a domestic-controlled enterprise,
a university or a research institute, with its data administrator registered by real name (Q9.2) and its
registration document (issue 18). Anyone may type any name and credit code here, so the unit starts
unverified: it browses the open data until the data authority verifies the document
(``dataplatform.core.identity``)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from dataplatform.core.audit_actions import AuditAction
from dataplatform.core.credit_code import validate_credit_code
from dataplatform.core.errors import ApplicationError
from dataplatform.core.identity import identity_proof_add, identity_submitted, proof_type
from dataplatform.core.models import Region, Role, Unit, User
from dataplatform.core.models.units import PUBLIC_ORGANIZATION_KINDS, Level, UnitKind
from dataplatform.core.people import role_assign, unit_create

# GB 32100: the first character names the registering authority: 9 market regulation (companies),
# 1 institutional establishment (public institutions), 5 civil affairs (private non-enterprise units).
CODE_FIRST: dict[str, str] = {UnitKind.ENTERPRISE: "9", UnitKind.UNIVERSITY: "15", UnitKind.RESEARCH: "15"}


def organization_register(
    *,
    name: str,
    kind: str,
    credit_code: str,
    real_name: str,
    username: str,
    password: str,
    proof: UploadedFile,
    phone: str = "",
    declares_domestic_controlled: bool = False,
    request=None,
) -> User:
    if kind not in PUBLIC_ORGANIZATION_KINDS:
        raise ApplicationError(_("Enterprises, universities and research institutes register here."))
    credit_code = credit_code.strip().upper()
    try:
        validate_credit_code(credit_code)  # GB 32100, its check character too
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc
    if credit_code[:1] not in CODE_FIRST[kind]:
        raise ApplicationError(
            _("The credit code's first character does not match the kind of organization.")
        )
    if kind == UnitKind.ENTERPRISE and not declares_domestic_controlled:
        raise ApplicationError(_("Only domestic-controlled enterprises apply for open data (Q6.4)."))
    if User.objects.filter(username=username).exists():
        raise ApplicationError(_("This user name is taken."))
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc
    proof_type(proof)  # refused before anything is written
    region = (
        Region.objects.filter(code=credit_code[2:8]).first()
        or Region.objects.filter(level=Level.CITY).first()
    )
    assert region is not None  # the platform's city is always there
    with transaction.atomic():
        unit = unit_create(
            actor=None,
            name=name.strip(),
            credit_code=credit_code,
            kind=kind,
            level=region.level,
            region=region,
            declares_domestic_controlled=kind == UnitKind.ENTERPRISE and declares_domestic_controlled,
        )
        user = User.objects.create_user(
            username=username, password=password, real_name=real_name, phone=phone, unit=unit
        )
        user.full_clean(exclude=["password"])
        role_assign(actor=None, user=user, role=Role.DATA_ADMIN)
        audit_record(
            action=AuditAction.OPEN_ORGANIZATION_REGISTER,
            actor=user,
            request=request,
            target=unit,
            detail={"kind": kind, "domestic_controlled": unit.declares_domestic_controlled},
        )
        document = identity_proof_add(actor=user, unit=unit, document=proof)
        identity_submitted(actor=user, unit=unit, proof=document, request=request)
    return user


def organization_exists(credit_code: str) -> bool:
    return Unit.objects.filter(credit_code=credit_code.strip().upper()).exists()
