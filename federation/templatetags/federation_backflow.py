"""``{% can_apply_backflow entry as can_apply %}``: whether the person may apply for the remote entry to flow
back here (a government unit's data administrator, an upper node's available entry)."""

from django import template

from federation.backflow import backflow_may_apply
from federation.models import RemoteEntry

register = template.Library()


@register.simple_tag(takes_context=True)
def can_apply_backflow(context, entry: RemoteEntry) -> bool:
    request = context.get("request")
    return request is not None and backflow_may_apply(request.user, entry)
