"""Web pages of aggregation: upload a file, follow its batch."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from dataplatform.core.errors import ApplicationError
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .services import (
    aggregation_schema,
    batch_for_user,
    batch_upload,
    batches_of,
    resource_for_aggregation,
)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


@login_required
def upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    resource = resource_for_aggregation(request.user, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_upload(
                actor=request.user, resource=resource, file=form.cleaned_data["file"], request=request
            )
            return redirect("catalog-batch", pk=batch.pk)
        except ApplicationError as exc:
            form.add_error("file", exc.message)
    try:
        items = aggregation_schema(resource).items if resource.is_available else ()
    except ApplicationError:
        items = ()
    context = {"resource": resource, "form": form, "items": items, "batches": batches_of(resource)}
    return render(request, "catalog/upload.html", context)


@login_required
def batch_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = batch_for_user(request.user, pk)
    return render(request, "catalog/batch.html", {"batch": batch, "resource": batch.resource})
