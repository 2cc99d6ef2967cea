"""The steppers the sharing pages show: the application wizard's four steps, and the stages an
application goes through, read from its lifecycle (workflow.py) and its own history."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.forms import BaseForm
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Application, ApplicationStatus, ApplicationStep
from .workflow import needs_county_review, route_after_submit

A = ApplicationStatus

DONE, CURRENT, TODO = "done", "current", "todo"
REFUSED, RETURNED, WITHDRAWN = "refused", "returned", "withdrawn"

ICONS = {REFUSED: "bi-x-lg", RETURNED: "bi-arrow-counterclockwise", WITHDRAWN: "bi-dash-lg"}
STATE_WORDS = {
    DONE: _("done"),
    CURRENT: _("current step"),
    TODO: _("to come"),
    REFUSED: _("Refused"),
    RETURNED: _("Returned for revision"),
    WITHDRAWN: _("Withdrawn"),
}
ENDINGS = (REFUSED, RETURNED, WITHDRAWN)  # said on the page, not only to screen readers


@dataclass(frozen=True)
class Step:
    number: int
    title: str | Promise
    state: str
    anchor: str = ""  # the section of the page this step is filled in

    @property
    def icon(self) -> str:
        """The mark shown instead of the number once the step is no longer ahead."""
        return ICONS.get(self.state, "bi-check-lg")

    @property
    def words(self) -> str | Promise:
        """The state said in words, for screen readers."""
        return STATE_WORDS[self.state]

    @property
    def says_state(self) -> bool:
        return self.state in ENDINGS

    @property
    def is_current(self) -> bool:
        return self.state in (CURRENT, RETURNED)


# --- the wizard --------------------------------------------------------------------------------------

WIZARD = (
    (_("Resource"), ""),
    (_("Data items"), "step-items"),
    (_("Service method"), "step-method"),
    (_("Business details and papers"), "step-details"),
)
DETAILS = ("business_matter", "information_system", "scenario", "end_date")


def wizard_steps(*, lines: Sequence[BaseForm] = (), form: BaseForm | None = None) -> list[Step]:
    """Step 1 (the resource) is current on the chooser; on the form, each of steps 2-4 is done once what
    it asks for is there (bound or kept from the draft), and the first one not done is the current one."""
    if form is None:
        done = [False, False, False, False]
    else:
        kept = [line for line in lines if not ("remove" in line.fields and line["remove"].value())]
        done = [
            True,
            bool(kept) and all(line["items"].value() for line in kept),
            bool(form["service_method"].value()),
            all(form[name].value() for name in DETAILS),
        ]
    current = next((n for n, is_done in enumerate(done) if not is_done), None)
    return [
        Step(
            number=n + 1,
            title=title,
            state=DONE if done[n] else CURRENT if n == current else TODO,
            anchor=anchor if form is not None else "",
        )
        for n, (title, anchor) in enumerate(WIZARD)
    ]


# --- an application's stages ---------------------------------------------------------------------------

# Short words for the stages (context "application stage"), not the statuses.
STAGE_TITLES: dict[str, str | Promise] = {
    A.DRAFT: pgettext_lazy("application stage", "Submission"),
    A.EVALUATING: pgettext_lazy("application stage", "Evaluation"),
    A.CONSULTING: pgettext_lazy("application stage", "Producer's opinion"),
    A.COUNTY_REVIEW: pgettext_lazy("application stage", "County review"),
    A.REVIEWING: pgettext_lazy("application stage", "Decision"),
    A.COORDINATING: pgettext_lazy("application stage", "Coordination"),
    A.CONFIGURING: pgettext_lazy("application stage", "Push set-up"),
    A.GRANTED: pgettext_lazy("application stage", "Granted"),
}


def application_route(application: Application) -> list[str]:
    """The stages the application goes through from its draft to its grant, as the lifecycle routes it
    (workflow.route_after_submit, route_after_consultation)."""
    first = route_after_submit(application)
    middle: list[str]
    if first == A.EVALUATING:
        county = [A.COUNTY_REVIEW] if needs_county_review(application) else []
        middle = [A.EVALUATING, A.CONSULTING, *county, A.REVIEWING]
    elif first == A.GRANTED:
        middle = []
    else:
        middle = [first]  # coordinating (Q5.9) or configuring (bulk exchange)
    return [A.DRAFT, *middle, A.GRANTED]


def application_stages(application: Application, history: Sequence[ApplicationStep]) -> list[Step]:
    """The route with the stages done, the current one, and those to come. A refused application ends at
    the stage that refused it, a withdrawn one at its submission; a returned one is back at its
    submission (it goes through every stage again once resubmitted)."""
    route = application_route(application)
    status = application.status
    if status in (A.REFUSED, A.WITHDRAWN):
        # Where it ended: the stage the last step left (a refusal's stage, or the draft withdrawn).
        last = next((step for step in reversed(history) if step.to_status == status), None)
        stage = A.DRAFT if status == A.WITHDRAWN or last is None else last.from_status
        if stage not in route:
            route.insert(len(route) - 1, stage)
        route = route[: route.index(stage) + 1]
        states = [DONE] * (len(route) - 1) + [status]
    elif status == A.RETURNED:
        states = [RETURNED] + [TODO] * (len(route) - 1)
    elif status == A.GRANTED:
        states = [DONE] * len(route)
    else:
        if status not in route:  # (a route changed under a moving application: show where it is)
            route.insert(len(route) - 1, status)
        here = route.index(status)
        states = [DONE] * here + [CURRENT] + [TODO] * (len(route) - here - 1)
    return [
        Step(number=n + 1, title=STAGE_TITLES.get(stage, stage), state=state)
        for n, (stage, state) in enumerate(zip(route, states, strict=True))
    ]
