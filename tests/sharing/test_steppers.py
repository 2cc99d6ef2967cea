"""The steppers of the sharing pages: an application's stages, read from its lifecycle and history, with
the way back to the list it was opened from; and the wizard's steps, one current at a time."""

import re

import pytest
from django.utils import translation

from sharing.steppers import application_stages, wizard_steps
from sharing.workflow import application_act
from tests.factories.sharing import GRANTED, apply
from tests.sharing.test_pages import page, wizard_post

pytestmark = pytest.mark.django_db


def act(application, action, actor, **inputs):
    return application_act(application=application, action=action, actor=actor, **inputs)


def stages(application) -> list[tuple[str, str]]:
    application.refresh_from_db()
    with translation.override("en"):
        history = list(application.steps.all())
        return [(str(step.title), step.state) for step in application_stages(application, history)]


def shown(html: str, testid: str) -> list[str]:
    """The data-state of each step of a stepper on the page, in order."""
    return re.findall(rf'data-state="(\w+)" data-testid="{testid}-step"', html)


# --- an application's stages ---------------------------------------------------------------------------


def test_conditional_data_goes_through_evaluation_the_producer_and_the_decision(
    applicant, conditional, evaluator, producer, reviewer
):
    application = apply(applicant, conditional)
    route = ["Submission", "Evaluation", "Producer's opinion", "Decision", "Granted"]
    assert stages(application) == list(zip(route, ["current", "todo", "todo", "todo", "todo"], strict=True))
    act(application, "submit", applicant)
    act(application, "reasonable", evaluator)
    assert [state for _title, state in stages(application)] == ["done", "done", "current", "todo", "todo"]
    act(application, "agree", producer)
    act(application, "approve", reviewer)
    assert stages(application) == [(title, "done") for title in route]


def test_a_county_applicant_asking_for_city_data_has_the_county_review_among_its_stages(
    county_applicant, conditional, evaluator, producer
):
    application = act(apply(county_applicant, conditional), "submit", county_applicant)
    act(application, "reasonable", evaluator)
    act(application, "agree", producer)
    assert stages(application) == [
        ("Submission", "done"),
        ("Evaluation", "done"),
        ("Producer's opinion", "done"),
        ("County review", "current"),
        ("Decision", "todo"),
        ("Granted", "todo"),
    ]


def test_unconditional_data_is_granted_at_submission_and_a_bulk_exchange_is_set_up_first(
    applicant, unconditional
):
    direct = act(apply(applicant, unconditional), "submit", applicant)
    assert stages(direct) == [("Submission", "done"), ("Granted", "done")]
    bulk = act(apply(applicant, unconditional, method="bulk_exchange", items=GRANTED), "submit", applicant)
    assert stages(bulk) == [("Submission", "done"), ("Push set-up", "current"), ("Granted", "todo")]


def test_a_special_department_is_coordinated_by_the_authority(police, conditional):
    application = act(apply(police, conditional), "submit", police)
    assert [title for title, _state in stages(application)] == ["Submission", "Coordination", "Granted"]


def test_a_refused_application_ends_at_the_stage_that_refused_it(
    applicant, conditional, evaluator, producer, reviewer
):
    application = act(apply(applicant, conditional), "submit", applicant)
    act(application, "reasonable", evaluator)
    act(application, "disagree", producer, opinion="超出所需")
    act(application, "refuse", reviewer, opinion="超出所需", basis="附件2")
    assert stages(application) == [
        ("Submission", "done"),
        ("Evaluation", "done"),
        ("Producer's opinion", "done"),
        ("Decision", "refused"),
    ]


def test_a_returned_application_is_back_at_its_submission_and_a_withdrawn_one_ends_there(
    applicant, conditional, evaluator
):
    application = act(apply(applicant, conditional), "submit", applicant)
    act(application, "unreasonable", evaluator, opinion="数据项超出所需")
    assert stages(application)[0] == ("Submission", "returned")
    assert {state for _title, state in stages(application)[1:]} == {"todo"}
    act(application, "withdraw", applicant)
    assert stages(application) == [("Submission", "withdrawn")]


def test_the_page_shows_the_stages_with_the_current_one_marked_in_both_languages(
    client, applicant, conditional, evaluator
):
    application = act(apply(applicant, conditional), "submit", applicant)
    client.force_login(evaluator)
    html = page(client, f"/sharing/applications/{application.pk}/")
    assert shown(html, "stages") == ["done", "current", "todo", "todo", "todo"]
    assert html.count('aria-current="step"') == 1
    assert "技术评估" in html and "提交申请" in html
    client.cookies["django_language"] = "en"
    html = page(client, f"/sharing/applications/{application.pk}/")
    assert "Evaluation" in html and "技术评估" not in html


def test_a_refused_stage_says_so_on_the_page(client, applicant, conditional, evaluator, producer, reviewer):
    application = act(apply(applicant, conditional), "submit", applicant)
    act(application, "reasonable", evaluator)
    act(application, "agree", producer)
    act(application, "refuse", reviewer, opinion="超出所需", basis="附件2")
    client.force_login(applicant)
    html = page(client, f"/sharing/applications/{application.pk}/")
    assert shown(html, "stages") == ["done", "done", "done", "refused"]
    assert '<span class="stepper-words">· 拒绝</span>' in html


# --- the way back -------------------------------------------------------------------------------------


def back(html: str) -> str:
    return re.search(r'<a class="[^"]*" href="([^"]+)" data-testid="back"', html).group(1)


def test_the_applicant_goes_back_to_the_units_applications_and_a_reviewer_to_the_queue(
    client, applicant, conditional, evaluator
):
    application = act(apply(applicant, conditional), "submit", applicant)
    url = f"/sharing/applications/{application.pk}/"
    client.force_login(applicant)
    assert back(page(client, url)) == "/sharing/applications/"
    client.force_login(evaluator)
    assert back(page(client, url)) == "/sharing/queue/"


def test_the_way_back_is_the_list_the_person_came_from_and_survives_an_action(
    client, applicant, conditional, evaluator
):
    application = act(apply(applicant, conditional), "submit", applicant)
    client.force_login(evaluator)
    queue = page(client, "/sharing/queue/")
    assert f'href="/sharing/applications/{application.pk}/?from=queue"' in queue
    assert (
        back(page(client, f"/sharing/applications/{application.pk}/?from=list")) == "/sharing/applications/"
    )
    html = page(client, f"/sharing/applications/{application.pk}/?from=queue")
    assert 'name="from" value="queue"' in html
    response = client.post(
        f"/sharing/applications/{application.pk}/act/", {"action": "reasonable", "from": "queue"}
    )
    assert response.url == f"/sharing/applications/{application.pk}/?from=queue"
    assert back(page(client, f"/sharing/applications/{application.pk}/?from=elsewhere")) == "/sharing/queue/"


def test_my_applications_link_each_application_with_the_way_back_to_them(client, applicant, conditional):
    application = apply(applicant, conditional)
    client.force_login(applicant)
    assert f'href="/sharing/applications/{application.pk}/?from=list"' in page(
        client, "/sharing/applications/"
    )


# --- the wizard's steps ----------------------------------------------------------------------------------


def test_the_chooser_has_only_its_first_step_current(client, applicant, conditional):
    client.force_login(applicant)
    assert shown(page(client, "/sharing/apply/"), "wizard-steps") == ["current", "todo", "todo", "todo"]


def test_the_form_marks_the_resource_done_and_the_data_items_current(client, applicant, conditional):
    client.force_login(applicant)
    html = page(client, f"/sharing/apply/?resource={conditional.pk}")
    assert shown(html, "wizard-steps") == ["done", "current", "todo", "todo"]
    assert html.count('aria-current="step"') == 1
    assert 'href="#step-method"' in html and 'id="step-method"' in html


def test_a_form_sent_back_marks_done_what_was_filled_in(client, applicant, conditional):
    client.force_login(applicant)
    # Items and method chosen, the business details missing: step 4 is the current one.
    response = client.post(
        f"/sharing/apply/?resource={conditional.pk}", wizard_post(conditional, business_matter="")
    )
    assert response.status_code == 200
    assert shown(response.content.decode(), "wizard-steps") == ["done", "done", "done", "current"]


def test_a_complete_draft_shows_every_step_done(client, applicant, conditional):
    application = apply(applicant, conditional)
    client.force_login(applicant)
    html = page(client, f"/sharing/applications/{application.pk}/edit/")
    assert shown(html, "wizard-steps") == ["done", "done", "done", "done"]


def test_wizard_steps_without_a_form_start_at_the_resource():
    assert [(step.number, step.state, step.anchor) for step in wizard_steps()] == [
        (1, "current", ""),
        (2, "todo", ""),
        (3, "todo", ""),
        (4, "todo", ""),
    ]


def test_the_form_offers_a_select_all_per_resource_hidden_until_the_script_shows_it(
    client, applicant, conditional, unconditional
):
    application = apply(applicant, conditional)
    client.force_login(applicant)
    html = page(client, f"/sharing/applications/{application.pk}/edit/?resource={unconditional.pk}")
    toggles = re.findall(
        r'<input class="form-check-input" type="checkbox" data-select-all hidden[^>]*>', html
    )
    assert len(toggles) == 2
    # Not part of the form: without the script nothing changes in what is sent.
    assert all(" name=" not in toggle for toggle in toggles)
