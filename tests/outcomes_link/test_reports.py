"""The PDF reports (issue 6): each is rendered with WeasyPrint and read back with pypdf, for its
cover, contents page, bookmarks, running header, metadata and tagging, and the figures the pages
show; a fixed number of queries whatever the number of contracts; and the same report as at a
past day, unchanged by later edits."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from commissioning import as_at
from commissioning.models import Directorate, OutcomeMeasure, SuggestedMeasure, SupportingOutcome
from commissioning.services import outcome_measure_value_record, outcome_measures_load
from commissioning.templatetags.gt import money
from contracts.choices import DeductionRule, DeductionStatus
from contracts.models import Contract, Deduction, PerformanceConcern
from contracts.selectors import recent_quarters
from contracts.services import contract_update, kpi_return_save
from outcomes_link.reports import (
    REPORTS,
    ContractReviewReport,
    DirectorateQuarterlyReport,
    GoldenThreadReport,
    LocalSpendPdfReport,
    ReportOptionError,
    contract_by_reference,
    directorate_by_code,
    financial_year_from_text,
    quarter_from_text,
)
from outcomes_link.reports.base import AsAtStamp, format_value
from outcomes_link.reports.charts import bar_chart
from social_value.services import commitment_create
from tests.contracts.factories import ContractFactory, KPIFactory
from tests.outcomes_link.factories import OutcomeLinkFactory
from tests.social_value.factories import SpendLines, classified_provider, measure, spend_dataset

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
QUARTERS = recent_quarters(count=8, today=TODAY)
LAST = QUARTERS[-1]
COUNCIL = settings.COUNCIL_NAME


# --- Building the data ---------------------------------------------------------------------------


def supporting(code: str) -> SupportingOutcome:
    return SupportingOutcome.objects.get(code=code, framework__is_default=True)


def thread_contract(directorate: Directorate, reference: str, *, red: bool = False, **fields) -> Contract:
    """An active contract serving 3.5 (60%, primary) and 3.4 (40%), with a quarterly KPI returned for
    the last three quarters ended: red twice running when `red` (a concern, and £1,000 deductions)."""
    contract = ContractFactory(
        reference=reference,
        title=fields.pop("title", f"Home care {reference}"),
        directorate=directorate,
        annual_value=fields.pop("annual_value", Decimal("120000.00")),
        **fields,
    )
    OutcomeLinkFactory(contract=contract, supporting_outcome=supporting("3.5"), contribution_share=Decimal("60"),
                       is_primary=True)  # fmt: skip
    OutcomeLinkFactory(contract=contract, supporting_outcome=supporting("3.4"), contribution_share=Decimal("40"))
    kpi = KPIFactory(
        contract=contract,
        code="KPI01",
        name="Care visits delivered on time",
        first_period_start=QUARTERS[0].start,
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("1000"),
    )
    for quarter, actual in zip(QUARTERS[-3:], (92, 78, 75) if red else (92, 93, 95), strict=True):
        kpi_return_save(kpi=kpi, period=quarter, actual=Decimal(actual), submit=True)
    return contract


@pytest.fixture
def thread(kcc_framework, directorate):
    """Two ASCH contracts on the thread: one red in the last two quarters, one green."""
    return {
        "red": thread_contract(directorate, "RPT-RED", red=True, title="Home care north"),
        "green": thread_contract(directorate, "RPT-GREEN", title="Home care south"),
    }


def more_contracts(directorate: Directorate, count: int = 10) -> None:
    for n in range(count):
        thread_contract(directorate, f"RPT-MORE-{n:02d}", red=n % 2 == 0)


# --- Reading a PDF back --------------------------------------------------------------------------


def words(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces (titles wrap across lines)."""
    return " ".join(text.split())


def read(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def page_texts(reader: PdfReader) -> list[str]:
    return [words(page.extract_text() or "") for page in reader.pages]


def outline(reader: PdfReader) -> list[tuple[str, int, int]]:
    """The bookmarks as (title, level, 1-based page), in order."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((words(item.title), level, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return found


def struct_elements(reader: PdfReader, kind: str) -> list:
    """Every element of the PDF's structure tree (tagging) of one kind, e.g. /Figure."""
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == kind:
                found.append(node)
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def contents_page_numbers(texts: list[str], first_section_page: int) -> str:
    """The contents pages' text: every page after the cover and before the first section."""
    return " ".join(texts[1 : first_section_page - 1])


# --- The frame every report shares ---------------------------------------------------------------


def test_the_stamp_says_live_data_and_its_time_or_the_as_at_day():
    live = AsAtStamp(datetime.date(2026, 3, 31), read_at=datetime.datetime(2026, 3, 31, 14, 5))
    assert live.label == "As at 31 March 2026, data live at 14:05"
    assert AsAtStamp(datetime.date(2026, 3, 31)).label == "As at 31 March 2026"
    assert "end of 31 March 2026" in AsAtStamp(datetime.date(2026, 3, 31)).statement


def test_values_are_written_as_the_pages_write_them():
    assert format_value(Decimal("1234.5"), "money") == "£1,234.50"
    assert format_value(Decimal("54.04"), "percent") == "54.0%"
    assert format_value(12345, "count") == "12,345"
    assert format_value(datetime.date(2026, 3, 1), "date") == "1 March 2026"
    assert format_value("red", "rag") == "Red"
    assert format_value(None, "money") == "–"


def test_every_report_is_registered_under_the_name_the_command_takes():
    assert sorted(REPORTS) == ["contract-review", "directorate-quarterly", "golden-thread", "local-spend"]


# --- (a) The golden thread report ----------------------------------------------------------------


def test_golden_thread_report_has_every_supporting_outcome_a_contents_page_bookmarks_and_tags(thread):
    # One render for every check: the golden thread report is the longest (about 25 pages here).
    rendered = GoldenThreadReport().render()
    reader = read(rendered.content)
    texts = page_texts(reader)
    bookmarks = outline(reader)
    outcomes = list(SupportingOutcome.objects.filter(framework__is_default=True).order_by("order", "code"))
    assert len(outcomes) == 20
    assert rendered.pages == len(reader.pages) > 5
    assert rendered.filename == f"golden-thread-{TODAY.isoformat()}.pdf"

    # The cover: the council, the title and the day the data stands at.
    assert COUNCIL in texts[0] and "The golden thread" in texts[0]
    assert f"As at {TODAY:%-d %B %Y}, data live at" in texts[0]

    # Every supporting outcome is a bookmark under its strategic outcome, and a contents entry
    # whose page number is the page its section starts on.
    pages = {title: page for title, level, page in bookmarks if level == 2}
    vision_page = next(page for title, _, page in bookmarks if title == "The vision and the outcomes")
    contents = contents_page_numbers(texts, vision_page)
    assert texts[1].startswith("Contents")
    for outcome in outcomes:
        entry = f"{outcome.code} {outcome.title}"
        assert entry in pages, entry
        match = re.search(re.escape(entry) + r" ?\.{3,} ?(\d+)", contents)
        assert match, entry
        assert int(match.group(1)) == pages[entry]
        assert entry in texts[pages[entry] - 1]
    strategic = [title for title, level, _ in bookmarks if level == 1]
    assert "Contents" in strategic and "About the figures" in strategic
    assert "Older and vulnerable residents are safe and supported with choices to live independently" in strategic

    # A running header with the council's name and the as-at day, and page numbers, after the cover.
    for number, text in enumerate(texts[1:], start=2):
        assert COUNCIL in text and f"As at {TODAY:%-d %B %Y}" in text
        assert f"Page {number} of {rendered.pages}" in text

    # The figures: the contracts serving 3.5, and the value attributed to it as the pages write it.
    section = texts[pages[f"3.5 {supporting('3.5').title}"] - 1]
    everything = " ".join(texts)
    assert "RPT-RED Home care north" in everything and "RPT-GREEN Home care south" in everything
    assert money(Decimal("144000.00")) in section  # 60% of two contracts' £120,000 a year
    assert "£72,000.00" in everything
    # Without outcome measures recorded, each basket lists the measures the framework suggests.
    suggested = SuggestedMeasure.objects.filter(supporting_outcome=supporting("1.1")).order_by("order").first()
    first = pages[f"1.1 {supporting('1.1').title}"]
    section = " ".join(texts[first - 1 : pages[f"1.2 {supporting('1.2').title}"]])
    assert f"No outcome measures are recorded yet. The framework suggests measuring: {words(suggested.text)}" in section
    # An outcome no contract serves is there too, and says so.
    assert "Contracts linked to 1.4, largest first: no contract serves this outcome yet" in everything

    # Tagged as PDF/UA-1, with the title shown, the council as author and the document's language.
    root = reader.trailer["/Root"]
    assert reader.metadata.title == "The golden thread"
    assert reader.metadata.author == COUNCIL
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data()
    assert struct_elements(reader, "/H2") and struct_elements(reader, "/Table") and struct_elements(reader, "/TH")
    # Each chart is a figure whose alternate text is its title.
    alts = {str(f.get("/Alt")) for f in struct_elements(reader, "/Figure") if f.get("/Alt")}
    assert "Contract value attributed a year to the supporting outcomes of strategic outcome 3" in alts
    assert "Committed and delivered social value by strategic outcome" in alts


def test_golden_thread_report_gives_each_outcomes_basket_of_measures_with_their_direction_of_travel(thread):
    outcome_measures_load()
    infant_mortality = OutcomeMeasure.objects.get(code="1.11")
    outcome_measure_value_record(
        measure=infant_mortality, period="2016-17", period_end=datetime.date(2017, 3, 31), value=Decimal("4.2")
    )
    html = GoldenThreadReport().render_html()
    section = html[html.index('id="outcome-1.1"') : html.index('id="outcome-1.2"')]
    assert "Direction of travel of its measures:" in section
    assert re.search(r'<th scope="row">1.11 Infant mortality</th><td>4.2 \(2016-17\)</td>', section)


def test_golden_thread_report_reads_a_fixed_number_of_queries(thread, directorate, django_assert_num_queries):
    GoldenThreadReport().render_html()  # the first render in a process warms Django's caches
    with CaptureQueriesContext(connection) as few:
        GoldenThreadReport().render_html()
    more_contracts(directorate)
    with django_assert_num_queries(len(few.captured_queries)):
        html = GoldenThreadReport().render_html()
    assert "RPT-MORE-09" in html


# --- (b) The contract review pack ----------------------------------------------------------------


@pytest.fixture
def reviewed(thread, commissioner):
    """The red contract with a payment in the spend files and a social value commitment."""
    contract = thread["red"]
    provider = classified_provider("Kent Care Ltd", "local", "small", "private")
    SpendLines().add(TODAY - datetime.timedelta(days=40), "Kent Care Ltd", "2500.00", provider=provider,
                     contract=contract)  # fmt: skip
    jobs = measure("RPT1", proxies=[("10.00", datetime.date(2020, 1, 1))], supporting_outcomes=[supporting("3.5")])
    commitment_create(contract=contract, measure=jobs, quantity=Decimal("100"), committed_on=contract.start_date,
                      actor=commissioner)  # fmt: skip
    contract_update(contract=contract, data={"title": "Home care north and east"}, reason="Area extended")
    return Contract.objects.get(pk=contract.pk)


def test_contract_review_pack_has_the_contract_thread_kpis_concerns_deductions_spend_and_social_value(reviewed):
    rendered = ContractReviewReport(contract=reviewed).render()
    reader = read(rendered.content)
    texts = page_texts(reader)
    everything = " ".join(texts)
    assert rendered.filename == f"contract-review-rpt-red-{TODAY.isoformat()}.pdf"
    assert reader.metadata.title == "Contract review pack: RPT-RED Home care north and east"
    assert "RPT-RED Home care north and east" in texts[0]
    # The golden thread up to the strategic outcome.
    assert f"3.5 {supporting('3.5').title}" in everything
    assert "Older and vulnerable residents are safe and supported with choices to live independently" in everything
    assert "60% (primary) £72,000.00" in everything
    # KPIs with their returns and RAG, the concern and the deductions.
    assert f"{LAST.label} 75.0% Red" in everything
    concern = PerformanceConcern.objects.get(contract=reviewed)
    assert words(concern.explanation) in everything
    assert Deduction.objects.filter(contract=reviewed, status=DeductionStatus.PROPOSED).count() == 2
    assert "Proposed £1,000.00" in everything
    # Spend, social value and recent changes.
    assert "£2,500.00" in everything
    assert "RPT1 Measure RPT1" in everything and "£1,000.00" in everything
    assert "Title: Home care north to Home care north and east" in everything and "Area extended" in everything
    bookmarks = [title for title, _, _ in outline(reader)]
    assert bookmarks[:4] == ["Contents", "Contract details", "Golden thread", "Performance"]
    assert "KPI01 Care visits delivered on time" in bookmarks


def test_contract_review_pack_reads_a_fixed_number_of_queries(thread, django_assert_num_queries):
    contract = thread["red"]
    ContractReviewReport(contract=contract).render_html()
    with CaptureQueriesContext(connection) as few:
        ContractReviewReport(contract=contract).render_html()
    for n in range(2, 7):
        kpi = KPIFactory(contract=contract, code=f"KPI0{n}", first_period_start=QUARTERS[0].start,
                         deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("500"))  # fmt: skip
        for quarter in QUARTERS[-4:]:
            kpi_return_save(kpi=kpi, period=quarter, actual=Decimal("70"), submit=True)
    with django_assert_num_queries(len(few.captured_queries)):
        html = ContractReviewReport(contract=contract).render_html()
    assert "KPI06" in html


def test_a_contract_is_found_by_its_reference_in_any_case_or_named_as_missing(thread):
    assert contract_by_reference("rpt-red") == thread["red"]
    with pytest.raises(ReportOptionError) as missing:
        contract_by_reference("NOPE-1")
    assert missing.value.option == "contract" and "NOPE-1" in missing.value.message
    with pytest.raises(ReportOptionError, match="Say which contract"):
        contract_by_reference("")


# --- (c) A directorate's quarterly report --------------------------------------------------------


def test_directorate_quarterly_report_counts_rag_and_lists_red_contracts_deductions_and_endings(thread, directorate):
    ending = ContractFactory(reference="RPT-ENDING", title="Day care ending soon", directorate=directorate,
                             start_date=datetime.date(2020, 4, 1), end_date=TODAY + datetime.timedelta(days=90),
                             extension_months_available=0)  # fmt: skip
    report = DirectorateQuarterlyReport(directorate=directorate, quarter=LAST)
    rendered = report.render()
    reader = read(rendered.content)
    texts = page_texts(reader)
    everything = " ".join(texts)
    assert rendered.filename == f"directorate-quarterly-asch-{LAST.code.lower()}-{TODAY.isoformat()}.pdf"
    assert f"Adult Social Care and Health, {LAST.label}" in texts[0]
    # One red (the red contract's quarter scores 0), one green; the chart says so too.
    assert "2 contracts with KPIs in the quarter" in everything
    assert "1 red, 0 amber 1 green" in everything
    alts = {str(f.get("/Alt")) for f in struct_elements(reader, "/Figure") if f.get("/Alt")}
    assert f"Contracts by RAG in {LAST.label}" in alts
    # The red contract with its KPI's return for the quarter, and its deduction.
    bookmarks = {title: level for title, level, _ in outline(reader)}
    assert bookmarks["RPT-RED Home care north"] == 2
    assert f"KPI01 Care visits delivered on time {LAST.label} 75.0% 90% Red" in everything
    assert "£1,000.00 proposed" in everything
    # Returns overdue (the quarters before the three returned) and the contract ending within 12 months.
    assert f"KPI01 Care visits delivered on time {QUARTERS[0].label}" in everything
    assert f"{ending.reference} {ending.title}" in everything


def test_directorate_quarterly_report_reads_a_fixed_number_of_queries(thread, directorate, django_assert_num_queries):
    report = DirectorateQuarterlyReport(directorate=directorate, quarter=LAST)
    report.render_html()
    with CaptureQueriesContext(connection) as few:
        report.render_html()
    more_contracts(directorate)
    with django_assert_num_queries(len(few.captured_queries)):
        html = report.render_html()
    assert "RPT-MORE-08" in html


def test_a_quarter_is_read_as_the_council_writes_it_and_a_directorate_by_its_code(kcc_framework):
    assert quarter_from_text("2025-26 Q2", today=TODAY).label == "2025-26 Q2"
    assert quarter_from_text("", today=TODAY) == LAST
    with pytest.raises(ReportOptionError) as bad:
        quarter_from_text("Q5 2025", today=TODAY)
    assert bad.value.option == "quarter" and "2025-26 Q2" in bad.value.message
    with pytest.raises(ReportOptionError, match="has not started"):
        quarter_from_text(f"{TODAY.year + 2}-{(TODAY.year + 3) % 100:02d} Q1", today=TODAY)
    assert directorate_by_code("asch").code == "ASCH"
    with pytest.raises(ReportOptionError, match="use one of") as unknown:
        directorate_by_code("XYZ")
    assert unknown.value.option == "directorate"


# --- (d) The local spend report ------------------------------------------------------------------


def test_local_spend_report_gives_the_annual_reports_table_with_the_unknowns_and_the_charts(kcc_framework):
    spend_dataset()
    rendered = LocalSpendPdfReport().render()
    reader = read(rendered.content)
    everything = " ".join(page_texts(reader))
    assert rendered.filename == f"local-spend-{TODAY.isoformat()}.pdf"
    assert "All spend imported" in everything
    assert "Total spend £18,100.00" in everything
    # Kent spend: Kent Care's £3,000 and Maidstone Mind's £400 net, with what is not known beside it.
    assert "Kent spend £3,400.00 18.8% of total spend" in everything
    assert "Redacted: £500.00" in everything
    for year in ("2023-24", "2024-25", "2025-26"):
        assert year in everything
    alts = {str(f.get("/Alt")) for f in struct_elements(reader, "/Figure") if f.get("/Alt")}
    assert {"Spend by month, by supplier location", "Kent share of spend by month"} <= alts
    assert "Big Outsourcing plc" in everything


def test_local_spend_report_for_one_financial_year(kcc_framework):
    spend_dataset()
    rendered = LocalSpendPdfReport(financial_year=2024).render()
    everything = " ".join(page_texts(read(rendered.content)))
    assert rendered.filename == f"local-spend-2024-25-{TODAY.isoformat()}.pdf"
    assert "Financial year 2024-25" in everything
    # Every line but the first (31 March 2024) and the last (1 April 2025).
    assert "Total spend £16,900.00" in everything


def test_local_spend_report_without_spend_says_so(kcc_framework):
    everything = " ".join(page_texts(read(LocalSpendPdfReport(financial_year=2019).render_pdf())))
    assert "No spend has been imported for the financial year 2019-20" in everything


def test_local_spend_report_reads_a_fixed_number_of_queries(kcc_framework, django_assert_num_queries):
    dataset = spend_dataset()
    LocalSpendPdfReport().render_html()
    with CaptureQueriesContext(connection) as few:
        LocalSpendPdfReport().render_html()
    for n in range(10):
        dataset.lines.add(f"2025-0{n % 9 + 1}-15", f"New supplier {n}", "100.00")
    with django_assert_num_queries(len(few.captured_queries)):
        LocalSpendPdfReport().render_html()


def test_a_financial_year_is_read_as_the_council_or_the_spend_page_writes_it():
    assert financial_year_from_text("2025-26") == 2025
    assert financial_year_from_text("2025/26") == 2025
    assert financial_year_from_text("2025") == 2025
    assert financial_year_from_text("") is None
    with pytest.raises(ReportOptionError, match="write it like 2025-26") as bad:
        financial_year_from_text("2025-27")
    assert bad.value.option == "financial_year"


# --- As at a past day ----------------------------------------------------------------------------


PAST = TODAY - datetime.timedelta(days=2)


def test_reports_as_at_a_past_day_are_unchanged_by_later_edits_while_live_ones_show_them(thread, directorate, backdate):
    backdate(PAST)

    def as_then():
        with as_at.as_at(PAST):
            golden = GoldenThreadReport().render()
            review = ContractReviewReport.from_options(contract="RPT-GREEN").render()
        return golden, review

    golden, review = as_then()
    before = (page_texts(read(golden.content)), page_texts(read(review.content)))
    assert golden.filename == f"golden-thread-{PAST.isoformat()}.pdf"
    assert f"As at {PAST:%-d %B %Y}" in before[0][0] and "data live" not in before[0][0]

    # Later: a contract retitled, and a red return that adds a deduction.
    green = thread["green"]
    contract_update(contract=green, data={"title": "Home care south and west"}, reason="Retitled")
    kpi = green.kpis.get()
    kpi_return_save(kpi=kpi, period=LAST, actual=Decimal("60"), submit=True)
    assert Deduction.objects.filter(contract=green).exists()

    golden_again, review_again = as_then()
    assert (page_texts(read(golden_again.content)), page_texts(read(review_again.content))) == before

    live_golden = " ".join(page_texts(read(GoldenThreadReport().render_pdf())))
    live_review = " ".join(page_texts(read(ContractReviewReport.from_options(contract="RPT-GREEN").render_pdf())))
    assert "RPT-GREEN Home care south and west" in live_golden
    assert "Home care south and west" not in " ".join(before[0])
    assert "Proposed £1,000.00" in live_review and "Proposed £1,000.00" not in " ".join(before[1])


def test_a_contract_made_after_the_as_at_day_is_not_there_then(thread, backdate):
    backdate(PAST)
    ContractFactory(reference="RPT-LATER", directorate=thread["red"].directorate)
    with as_at.as_at(PAST), pytest.raises(ReportOptionError, match="as at"):
        contract_by_reference("RPT-LATER")


# --- The reports' own chart ------------------------------------------------------------------------


def test_bar_chart_draws_bars_in_proportion_on_a_round_axis():
    chart = bar_chart("Contracts", [("Green", 8, "8", "green"), ("Red", 2, "2", "red"), ("None", 0, "0", "none")],
                      whole_numbers=True)  # fmt: skip
    green, red, none = chart.bars
    assert green.width == pytest.approx(4 * red.width)
    assert none.width == 0
    assert [tick.label for tick in chart.ticks] == ["0", "2", "4", "6", "8"]
    assert green.y < red.y < none.y
    assert chart.description == "Contracts. Green: 8; Red: 2; None: 0."


def test_bar_chart_with_nothing_to_chart_says_so():
    chart = bar_chart("Nothing", [])
    assert chart.empty and chart.description == "Nothing to chart."
