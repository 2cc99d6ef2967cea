"""The sharing pages: the wizard, my applications, the queue, an application's page and the grants page."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dataplatform.core.models import Role
from dataplatform.core.models.units import UnitKind
from sharing.models import Application, Grant, UsageReport
from sharing.workflow import application_act
from tests import factories
from tests.factories.sharing import apply

pytestmark = pytest.mark.django_db

END = (timezone.localdate() + dt.timedelta(days=365)).isoformat()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def wizard_post(resource, items=("credit_code", "registered_on"), **overrides) -> dict:
    data = {
        f"line-{resource.pk}-items": list(items),
        "service_method": "interface",
        "business_matter": "社会保险登记",
        "scenario": "办理参保登记时核验用人单位",
        "information_system": "社会保险经办系统",
        "scope": "全市经办窗口",
        "end_date": END,
    }
    return {**data, **overrides}


def act(client, application, action, **data):
    return client.post(
        f"/sharing/applications/{application.pk}/act/", {"action": action, **data}, follow=True
    )


def errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- the wizard ------------------------------------------------------------------------------------


def test_the_wizard_lists_published_entries_and_finds_one_by_words(client, applicant, conditional):
    client.force_login(applicant)
    assert conditional.name in page(client, "/sharing/apply/")
    assert conditional.name in page(client, "/sharing/apply/?q=社会保险")
    assert 'data-testid="choose-none"' in page(client, "/sharing/apply/?q=不存在的词")


def test_the_wizard_ticks_no_item_and_offers_only_the_resources_methods(client, applicant, conditional):
    client.force_login(applicant)
    html = page(client, f"/sharing/apply/?resource={conditional.pk}")
    assert 'data-testid="item-credit_code"' in html and " checked" not in html
    assert 'value="interface"' in html and 'value="bulk_exchange"' in html
    assert 'value="verification"' not in html


def test_not_shared_data_is_offered_by_verification_only(client, applicant, not_shared):
    client.force_login(applicant)
    html = page(client, f"/sharing/apply/?resource={not_shared.pk}")
    assert 'value="verification"' in html and 'value="interface"' not in html


def test_the_wizard_creates_a_draft_with_exactly_the_chosen_items(client, applicant, conditional):
    client.force_login(applicant)
    response = client.post(f"/sharing/apply/?resource={conditional.pk}", wizard_post(conditional))
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sharing/applications/{application.pk}/"
    assert application.status == "draft" and application.applicant == applicant
    assert [(line.resource, line.items) for line in application.lines.all()] == [
        (conditional, ["credit_code", "registered_on"])
    ]


def test_the_wizard_keeps_what_was_typed_when_no_item_is_ticked(client, applicant, conditional):
    client.force_login(applicant)
    response = client.post(f"/sharing/apply/?resource={conditional.pk}", wizard_post(conditional, items=()))
    assert response.status_code == 200 and not Application.objects.exists()
    html = response.content.decode()
    assert 'data-testid="line-error"' in html and "办理参保登记时核验用人单位" in html


def test_a_verification_application_uploads_its_requirements_and_technical_plan(
    client, applicant, not_shared
):
    client.force_login(applicant)
    data = wizard_post(not_shared, service_method="verification")
    response = client.post(f"/sharing/apply/?resource={not_shared.pk}", data)
    assert response.status_code == 200 and not Application.objects.exists()
    assert set(response.context["form"].errors) == {"requirements", "technical_plan"}
    papers = {
        "requirements": SimpleUploadedFile("需求.pdf", b"%PDF need"),
        "technical_plan": SimpleUploadedFile("方案.pdf", b"%PDF plan"),
    }
    client.post(f"/sharing/apply/?resource={not_shared.pk}", {**data, **papers})
    application = Application.objects.get()
    assert sorted(application.attachments.values_list("title", flat=True)) == ["应用需求", "技术方案"]
    attachment = application.attachments.first()
    download = client.get(f"/sharing/applications/{application.pk}/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_another_resource_is_added_to_the_draft_from_its_page(client, applicant, conditional, unconditional):
    application = apply(applicant, conditional)
    client.force_login(applicant)
    assert unconditional.name in page(client, f"/sharing/applications/{application.pk}/add-resource/")
    url = f"/sharing/applications/{application.pk}/edit/?resource={unconditional.pk}"
    data = {
        **wizard_post(conditional, items=["credit_code"]),
        f"line-{unconditional.pk}-items": ["company_name"],
    }
    assert client.post(url, data).status_code == 302
    assert {line.resource.code: line.items for line in application.lines.all()} == {
        "C-1": ["credit_code"],
        "U-1": ["company_name"],
    }


def test_resources_with_no_method_in_common_are_refused_with_a_clear_message(
    client, applicant, conditional, not_shared
):
    application = apply(applicant, not_shared, method="verification", items=["credit_code"])
    client.force_login(applicant)
    url = f"/sharing/applications/{application.pk}/edit/?resource={conditional.pk}"
    assert 'data-testid="no-common-method"' in page(client, url)
    data = {
        **wizard_post(not_shared, items=["credit_code"], service_method="verification"),
        f"line-{conditional.pk}-items": ["company_name"],
    }
    response = client.post(url, data)
    assert response.status_code == 200 and application.lines.count() == 1


def test_only_a_government_units_data_administrator_applies(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/sharing/apply/").status_code == 403


# --- lists -------------------------------------------------------------------------------------------


def test_my_applications_lists_the_units_applications_with_their_status(
    client, applicant, conditional, outsider
):
    mine = apply(applicant, conditional, business_matter="我的事项")
    client.force_login(applicant)
    html = page(client, "/sharing/applications/")
    assert "我的事项" in html and f'data-status="{mine.status}"' in html
    client.force_login(outsider)
    assert "我的事项" not in page(client, "/sharing/applications/")


def test_the_queue_shows_an_evaluator_the_evaluating_application_and_a_producer_the_consulting_one(
    client, applicant, conditional, evaluator, producer
):
    evaluating = application_act(
        application=apply(applicant, conditional, business_matter="待评估"), action="submit", actor=applicant
    )
    consulting = application_act(
        application=apply(applicant, conditional, business_matter="待会商"), action="submit", actor=applicant
    )
    application_act(application=consulting, action="reasonable", actor=evaluator)
    client.force_login(evaluator)
    html = page(client, "/sharing/queue/")
    assert f'data-testid="queue-link-{evaluating.pk}"' in html
    assert f'data-testid="queue-link-{consulting.pk}"' not in html
    client.force_login(producer)
    html = page(client, "/sharing/queue/")
    assert f'data-testid="queue-link-{consulting.pk}"' in html
    assert f'data-testid="queue-link-{evaluating.pk}"' not in html


def test_the_queue_marks_an_overdue_application_in_red(client, applicant, conditional, evaluator):
    application = application_act(application=apply(applicant, conditional), action="submit", actor=applicant)
    Application.objects.filter(pk=application.pk).update(due=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(evaluator)
    assert 'data-testid="overdue"' in page(client, "/sharing/queue/")


def test_the_navigation_shows_the_sharing_pages_to_government_units_only(client, applicant, evaluator):
    client.force_login(applicant)
    html = page(client, "/")
    assert all(url in html for url in ("/sharing/applications/", "/sharing/queue/", "/sharing/grants/"))
    client.force_login(evaluator)
    html = page(client, "/")
    assert "/sharing/queue/" in html and "/sharing/applications/" not in html
    client.force_login(factories.person(factories.unit(kind=UnitKind.ENTERPRISE), Role.DATA_ADMIN))
    assert "/sharing/" not in page(client, "/")


# --- one application --------------------------------------------------------------------------------


def test_submitting_from_the_page_routes_the_application(client, applicant, conditional):
    application = apply(applicant, conditional)
    client.force_login(applicant)
    assert 'data-testid="act-submit"' in page(client, f"/sharing/applications/{application.pk}/")
    response = act(client, application, "submit")
    application.refresh_from_db()
    assert application.status == "evaluating"
    assert application.due.strftime("%Y-%m-%d") in response.content.decode()


def test_a_rule_broken_at_submission_is_shown_as_a_message(client, applicant, conditional):
    application = apply(applicant, conditional, method="verification")  # C-1 offers no verification
    client.force_login(applicant)
    response = act(client, application, "submit")
    application.refresh_from_db()
    assert application.status == "draft" and errors(response)


def test_each_action_button_posts_and_moves_the_application(
    client, applicant, conditional, evaluator, producer, reviewer
):
    application = apply(applicant, conditional)
    for person, action, status in [
        (applicant, "submit", "evaluating"),
        (evaluator, "reasonable", "consulting"),
        (producer, "agree", "reviewing"),
        (reviewer, "approve", "granted"),
    ]:
        client.force_login(person)
        assert f'data-testid="act-{action}"' in page(client, f"/sharing/applications/{application.pk}/")
        act(client, application, action)
        application.refresh_from_db()
        assert application.status == status
    html = page(client, f"/sharing/applications/{application.pk}/")
    assert all(f'data-testid="step-{a}"' in html for a in ("submit", "reasonable", "agree", "approve"))
    assert Grant.objects.filter(application=application, items=["credit_code", "company_name"]).exists()


def test_an_unreasonable_application_is_returned_and_the_applicant_sees_why(
    client, applicant, conditional, evaluator
):
    application = application_act(application=apply(applicant, conditional), action="submit", actor=applicant)
    client.force_login(evaluator)
    assert 'id="opinion-unreasonable"' in page(client, f"/sharing/applications/{application.pk}/")
    act(client, application, "unreasonable", opinion="数据项超出所需")
    client.force_login(applicant)
    html = page(client, f"/sharing/applications/{application.pk}/")
    assert 'data-testid="decision"' in html and "数据项超出所需" in html
    assert 'data-testid="edit"' in html and 'data-testid="act-submit"' in html


def test_a_refusal_without_a_basis_shows_an_error_and_with_one_the_applicant_sees_both(
    client, applicant, conditional, evaluator, producer, reviewer
):
    application = application_act(application=apply(applicant, conditional), action="submit", actor=applicant)
    application_act(application=application, action="reasonable", actor=evaluator)
    application_act(application=application, action="agree", actor=producer)
    client.force_login(reviewer)
    assert 'data-testid="basis-refuse"' in page(client, f"/sharing/applications/{application.pk}/")
    response = act(client, application, "refuse", opinion="不符合最少够用原则")
    application.refresh_from_db()
    assert application.status == "reviewing" and errors(response)
    act(client, application, "refuse", opinion="不符合最少够用原则", basis="《泉州市政务数据管理规定》附件2")
    client.force_login(applicant)
    html = page(client, f"/sharing/applications/{application.pk}/")
    assert "不符合最少够用原则" in html and "《泉州市政务数据管理规定》附件2" in html


def test_an_outsider_gets_404_on_the_application_page(client, applicant, conditional, outsider):
    application = application_act(application=apply(applicant, conditional), action="submit", actor=applicant)
    client.force_login(outsider)
    assert client.get(f"/sharing/applications/{application.pk}/").status_code == 404
    assert (
        client.post(f"/sharing/applications/{application.pk}/act/", {"action": "withdraw"}).status_code == 404
    )


def test_a_read_only_leader_sees_the_application_but_gets_403_on_acting(client, applicant, conditional):
    application = apply(applicant, conditional)
    leader = factories.person(applicant.unit, Role.LEADER)
    client.force_login(leader)
    html = page(client, f"/sharing/applications/{application.pk}/")
    assert 'data-testid="act-submit"' not in html
    assert (
        client.post(f"/sharing/applications/{application.pk}/act/", {"action": "submit"}).status_code == 403
    )
    assert client.get(f"/sharing/applications/{application.pk}/edit/").status_code == 403


# --- grants --------------------------------------------------------------------------------------------


@pytest.fixture
def grant(applicant, unconditional):
    application = application_act(
        application=apply(applicant, unconditional), action="submit", actor=applicant
    )
    return Grant.objects.get(application=application)


def test_the_reviewer_suspends_a_grant_from_the_grants_page(client, grant, reviewer, applicant):
    client.force_login(reviewer)
    assert 'data-testid="grant-suspend"' in page(client, "/sharing/grants/")
    response = client.post(f"/sharing/grants/{grant.pk}/change/", {"move": "suspend"}, follow=True)
    grant.refresh_from_db()
    assert grant.status == "active" and errors(response)
    client.post(f"/sharing/grants/{grant.pk}/change/", {"move": "suspend", "reason": "疑似使用爬虫"})
    grant.refresh_from_db()
    assert grant.status == "suspended" and grant.status_reason == "疑似使用爬虫"
    client.force_login(applicant)
    html = page(client, "/sharing/grants/")
    assert "疑似使用爬虫" in html and 'data-testid="grant-resume"' not in html
    assert (
        client.post(f"/sharing/grants/{grant.pk}/change/", {"move": "resume", "reason": "x"}).status_code
        == 403
    )


def report_post(grant, **overrides) -> dict:
    data = {
        "period_start": "2026-07-01",
        "period_end": "2026-09-30",
        "purpose": "企业开办核验",
        "users": "窗口工作人员 12 人",
        "approver": "陈科长",
        "data_content": "企业名称核验结果",
        "method": "数据服务接口",
        "medium": "一网通办系统",
    }
    return {f"report-{grant.pk}-{name}": value for name, value in {**data, **overrides}.items()}


def test_the_holder_files_a_usage_report(client, grant, applicant, producer):
    client.force_login(applicant)
    assert 'data-testid="usage-report-form"' in page(client, "/sharing/grants/")
    response = client.post(f"/sharing/grants/{grant.pk}/usage-reports/", report_post(grant), follow=True)
    report = UsageReport.objects.get(grant=grant)
    assert report.filed_by == applicant and "企业开办核验" in response.content.decode()
    client.force_login(producer)
    assert client.post(f"/sharing/grants/{grant.pk}/usage-reports/", report_post(grant)).status_code == 403


def test_a_usage_report_whose_period_ends_before_it_starts_is_shown_again_with_the_error(
    client, grant, applicant
):
    client.force_login(applicant)
    response = client.post(
        f"/sharing/grants/{grant.pk}/usage-reports/", report_post(grant, period_end="2026-06-30")
    )
    assert response.status_code == 200 and not UsageReport.objects.exists()
    assert "窗口工作人员 12 人" in response.content.decode()


def test_the_holder_sees_how_to_call_the_data_interface_for_an_interface_grant(
    client, applicant, unconditional
):
    from sharing.workflow import application_act
    from tests.factories.sharing import apply

    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    client.force_login(applicant)
    page = client.get("/sharing/grants/").content.decode()
    assert 'data-testid="how-to-call"' in page
    assert f"/api/v1/data/resources/{unconditional.pk}/records/" in page
    assert "fields=credit_code,company_name" in page


def test_how_to_call_names_the_platforms_public_address_not_the_host_asked(
    client, applicant, unconditional, settings
):
    settings.SITE_URL = "https://data.example.gov.cn"
    application_act(application=apply(applicant, unconditional), action="submit", actor=applicant)
    client.force_login(applicant)
    html = page(client, "/sharing/grants/")
    assert f'"https://data.example.gov.cn/api/v1/data/resources/{unconditional.pk}/records/' in html
    assert "http://testserver" not in html


def test_the_technical_service_unit_makes_a_verification_rule_on_its_page(
    client, evaluator, applicant, unconditional
):
    import json

    from sharing.models import VerificationRule

    client.force_login(applicant)
    assert client.get("/sharing/verification-rules/").status_code == 403
    client.force_login(evaluator)
    checks = [{"name": "known", "resource": unconditional.pk, "match": {"credit_code": "code"}}]
    bad = client.post(
        "/sharing/verification-rules/", {"name": "x", "inputs": "[not json", "checks": json.dumps(checks)}
    )
    assert 'data-testid="rule-error"' in bad.content.decode()
    response = client.post(
        "/sharing/verification-rules/",
        {"name": "企业存在性核验", "inputs": json.dumps([{"name": "code"}]), "checks": json.dumps(checks)},
    )
    assert response.status_code == 302
    assert VerificationRule.objects.get().name == "企业存在性核验"
    assert "企业存在性核验" in client.get("/sharing/verification-rules/").content.decode()


def test_a_verification_rule_shows_its_inputs_labels_and_its_resources_by_name(
    client, evaluator, unconditional
):
    from sharing.models import VerificationRule

    VerificationRule.objects.create(
        name="企业存在性核验",
        inputs=[{"name": "code", "label": "统一社会信用代码"}],
        checks=[{"name": "known", "resource": unconditional.pk, "match": {"credit_code": "code"}}],
        created_by=evaluator,
    )
    client.force_login(evaluator)
    html = page(client, "/sharing/verification-rules/")
    rules = html[html.index('data-testid="rules"') : html.index("</table>")]
    assert '<span title="code">统一社会信用代码</span>' in rules
    assert f"<code>known</code> · {unconditional.name}" in rules
