"""The federation's pages, for the platform administrator only: the peers, one peer, this node's identity.

Anyone else gets 403 before any lookup, so a peer's id tells an outsider nothing (the matrix's rule).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dataplatform.core.models import Role
from dataplatform.core.pages import page_action
from dataplatform.core.request_types import AuthenticatedHttpRequest

from .exports import exports_of
from .forms import HelloForm, PeerForm, SuspendForm
from .models import OutboxMessage, Peer, PeerStatus
from .node import fingerprint, public_key_b64, this_node
from .outbox import federation_send
from .peers import peer_resume, peer_save, peer_suspend
from .selectors import federation_summary, peer_messages, peer_state, peer_states


def _admin_only(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied


@login_required
def peers(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The peers table with their backlog and errors, and the form to add one."""
    _admin_only(request)
    form = PeerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        peer = page_action(
            request,
            lambda: peer_save(actor=request.user, peer=None, **form.cleaned_data),
            success=_("Peer added."),
            form=form,
        )
        if peer is not None:
            return redirect("federation-peer", pk=peer.pk)
    states = peer_states()
    context = {"states": states, "summary": federation_summary(states), "form": form, "node": this_node()}
    return render(request, "federation/peers.html", context)


@login_required
def peer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One peer: its state and recent messages; edit, suspend or resume it, or send it a hello."""
    _admin_only(request)
    peer = get_object_or_404(Peer, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    form = PeerForm(request.POST if action == "edit" else None, instance=peer)
    suspend_form = SuspendForm(request.POST if action == "suspend" else None)
    hello_form = HelloForm(request.POST if action == "hello" else None)
    done: object = None
    if action == "edit" and form.is_valid():
        done = page_action(
            request,
            lambda: peer_save(actor=request.user, peer=peer, **form.cleaned_data),
            success=_("Peer saved."),
            form=form,
        )
    elif action == "suspend" and suspend_form.is_valid():
        reason = suspend_form.cleaned_data["reason"]
        done = page_action(
            request,
            lambda: peer_suspend(actor=request.user, peer=peer, reason=reason),
            success=_("Peer suspended."),
            form=suspend_form,
        )
    elif action == "resume":
        done = page_action(
            request, lambda: peer_resume(actor=request.user, peer=peer), success=_("Peer resumed.")
        )
    elif action == "hello" and hello_form.is_valid():
        done = page_action(
            request,
            lambda: _hello_send(request, peer, hello_form.cleaned_data["note"]),
            success=_("Hello queued."),
        )
    if done is not None:
        return redirect("federation-peer", pk=peer.pk)
    if action == "edit":
        peer.refresh_from_db()  # the form's failed validation changed the instance; show what is stored
    state = peer_state(peer)
    context = {
        "peer": peer,
        "state": state,
        "fingerprint": _fingerprint_or_blank(peer.public_key),
        "form": form,
        "suspend_form": suspend_form,
        "hello_form": hello_form,
        "suspended": peer.status == PeerStatus.SUSPENDED,
        # Back-flow goes down only: a lower node's exports from here; none for an upper or a same-level node.
        "exports": exports_of(peer) if peer.relation == "lower" else None,
        **peer_messages(peer=peer),
    }
    return render(request, "federation/peer.html", context)


def _hello_send(request: AuthenticatedHttpRequest, peer: Peer, note: str) -> OutboxMessage:
    with transaction.atomic():
        return federation_send(
            peer=peer, kind="node.hello", stream="node", body={"note": note}, actor=request.user
        )


def _fingerprint_or_blank(public_b64: str) -> str:
    try:
        return fingerprint(public_b64)
    except ValueError:
        return ""


@login_required
def node(request: AuthenticatedHttpRequest) -> HttpResponse:
    """This node's identity and public key, for the administrators of its peers to register it."""
    _admin_only(request)
    try:
        public = public_key_b64()
    except ImproperlyConfigured:
        public = ""  # no key yet: the page says to run federation_keygen
    context = {
        "node": this_node(),
        "public_key": public,
        "fingerprint": fingerprint(public) if public else "",
    }
    return render(request, "federation/node.html", context)
