from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdmin

from .audit_actions import AuditAction
from .events import record_event
from .models import ApiKey, CalendarDay, CalendarYear, IdentityStatus, Notification, Region, Role, Unit, User
from .people import role_assign, role_revoke

admin.site.site_header = _("Government Data Sharing Platform administration")
admin.site.site_title = _("Platform administration")


class AuditedAdmin(admin.ModelAdmin):
    """Administrators' edits go to the audit log like any other change."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = AuditAction(f"{obj._meta.model_name}.{'update' if change else 'create'}")
        record_event(action=action, actor=request.user, request=request, target=obj, detail={"via": "admin"})


@admin.register(Region)
class RegionAdmin(GuardedModelAdmin):
    list_display = ["code", "name", "level", "parent"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "kind", "level", "region", "credit_code", "identity_status", "is_active"]
    list_filter = ["kind", "level", "region", "identity_status"]
    search_fields = ["name", "credit_code"]
    # Issue 18: the identity moves only through the authority's verification (core.identity); a unit
    # the platform administrator makes here is the platform's own word, so it is verified by him.
    readonly_fields = ["identity_status", "identity_decided_at", "identity_decided_by", "identity_note"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.identity_status = IdentityStatus.VERIFIED
            obj.identity_decided_at, obj.identity_decided_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)


class UserForm(UserChangeForm):
    roles = forms.MultipleChoiceField(
        label=_("roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]  # django-stubs leaves out UserChangeForm.Meta
        model = User
        fields = ["username", "password", "real_name", "phone", "email", "unit", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.roles)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserForm
    list_display = ["username", "real_name", "unit", "phone", "is_active"]
    list_filter = ["unit__kind", "is_active"]
    search_fields = ["username", "real_name", "phone", "unit__name"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Real-name registration"), {"fields": ["real_name", "phone", "email", "unit", "roles"]}),
        (_("Status"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def save_related(self, request, form, formsets, change):
        """Roles change only through the role services, which keep guardian's rights in step."""
        super().save_related(request, form, formsets, change)
        user = form.instance
        wanted, held = set(form.cleaned_data.get("roles", [])), set(user.roles)
        for role in wanted - held:
            role_assign(actor=request.user, user=user, role=role)
        for role in held - wanted:
            role_revoke(actor=request.user, user=user, role=role)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ["year", "source", "notice", "updated_at"]


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at"]
    exclude = ["hashed_key"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are issued by the unit's data administrator, shown once


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "title", "created_at", "read_at", "emailed_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records changed only through services and workflows, which audit each change: the admin looks,
    never writes (audit rows, open-data decisions, governance cases)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
