"""The catalog story: a producer registers an entry, the authority publishes it, the producer
aggregates a CSV and sees it applied."""

from playwright.sync_api import expect

from catalog.models import Resource
from catalog.records import record_count

CSV = "credit_code,company_name,established_on\n91350500MA0000001X,泉州测试贸易有限公司,2020-05-01\n91350500MA0000002X,泉州测试鞋业有限公司,2018-11-20\n"


def test_a_producer_registers_an_entry_the_authority_publishes_it_and_a_csv_is_aggregated(
    page, live_server, login_as, tmp_path
):
    login_as("market_admin")
    page.goto(live_server.url + "/catalog/new/")
    page.fill("#id_code", "QZ-SJ-TEST-01")
    page.fill("#id_name", "测试企业名录")
    page.select_option("#id_category", "legal_person")
    page.select_option("#id_data_format", "table")
    page.select_option("#id_update_frequency", "daily")
    page.select_option("#id_share_type", "unconditional")
    page.select_option("#id_open_type", "universal")
    page.select_option("#id_grading_level", "1")
    page.check("input[name=service_methods][value=interface]")
    page.check("#id_holds_no_classified_data")  # Q8.3: declared on submission
    page.fill("#id_items-0-name", "credit_code")
    page.fill("#id_items-0-label", "统一社会信用代码")
    page.check("#id_items-0-is_key")
    page.check("#id_items-0-required")
    page.fill("#id_items-0-length", "18")
    page.fill("#id_items-1-name", "company_name")
    page.fill("#id_items-1-label", "企业名称")
    page.fill("#id_items-1-length", "200")
    page.click("#add-item")
    page.fill("#id_items-2-name", "established_on")
    page.fill("#id_items-2-label", "成立日期")
    page.select_option("#id_items-2-item_type", "date")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("items")).to_contain_text("成立日期")
    page.get_by_test_id("transition-submitted").click()
    expect(page.get_by_test_id("status")).to_have_text("已提交审核")

    page.context.clear_cookies()
    login_as("reviewer")
    page.goto(live_server.url + "/catalog/review/")
    page.get_by_role("link", name="测试企业名录").click()
    page.get_by_test_id("transition-published").click()
    expect(page.get_by_test_id("status")).to_have_text("已发布")

    page.context.clear_cookies()
    login_as("market_admin")
    resource = Resource.objects.get(code="QZ-SJ-TEST-01")
    page.goto(f"{live_server.url}/catalog/{resource.pk}/")
    page.get_by_test_id("aggregate").click()
    csv_file = tmp_path / "companies.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_role("button", name="上传并汇聚").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已汇聚", timeout=20_000)
    assert record_count(resource_id=resource.pk) == 2
    page.screenshot(path="/tmp/catalog-batch.png", full_page=True)
