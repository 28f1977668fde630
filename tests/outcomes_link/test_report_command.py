"""`manage.py report NAME`: each report written as a PDF, as at a past day, and every bad option named."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from tests.outcomes_link.test_reports import LAST, PAST, TODAY, page_texts, read, thread_contract
from tests.social_value.factories import spend_dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracts(kcc_framework, directorate):
    return [thread_contract(directorate, "CMD-RED", red=True), thread_contract(directorate, "CMD-GREEN")]


def report(*args, **options) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, **options)
    return out.getvalue()


def test_the_report_goes_to_its_default_file_here_and_the_command_says_its_pages_and_size(
    contracts, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    said = report("directorate-quarterly", directorate="asch", quarter=LAST.label)
    name = f"directorate-quarterly-asch-{LAST.code.lower()}-{TODAY.isoformat()}.pdf"
    path = tmp_path / name
    pages = len(PdfReader(path).pages)
    match = re.fullmatch(rf"Wrote {re.escape(name)}: (\d+) pages, ([\d.,]+) KB\.\n", said)
    assert match, said
    assert int(match.group(1)) == pages
    assert float(match.group(2).replace(",", "")) == pytest.approx(path.stat().st_size / 1024, abs=0.1)
    assert "CMD-RED" in " ".join(page_texts(read(path.read_bytes())))


def test_the_golden_thread_report_as_at_a_past_day(contracts, backdate, tmp_path):
    backdate(PAST)
    output = tmp_path / "committee.pdf"
    said = report("golden-thread", as_at=PAST.isoformat(), output=str(output))
    assert said.startswith(f"Wrote {output}: ")
    texts = page_texts(read(output.read_bytes()))
    assert f"As at {PAST:%-d %B %Y}" in texts[0] and "data live" not in texts[0]
    assert "CMD-RED" in " ".join(texts)


def test_a_contract_review_pack_by_reference_in_any_case(contracts, tmp_path):
    output = tmp_path / "pack.pdf"
    report("contract-review", contract="cmd-green", output=str(output))
    assert "Contract review pack: CMD-GREEN" in PdfReader(output).metadata.title


def test_the_local_spend_report_for_a_financial_year(kcc_framework, tmp_path):
    spend_dataset()
    output = tmp_path / "spend.pdf"
    report("local-spend", financial_year="2024-25", output=str(output))
    everything = " ".join(page_texts(read(output.read_bytes())))
    assert "Financial year 2024-25" in everything and "Total spend £16,900.00" in everything


@pytest.mark.parametrize(
    ("args", "options", "message"),
    [
        (["contract-review"], {}, "--contract: Say which contract"),
        (["contract-review"], {"contract": "NOPE-9"}, "--contract: There is no contract with the reference “NOPE-9”"),
        (["directorate-quarterly"], {}, "--directorate: Say which directorate"),
        (["directorate-quarterly"], {"directorate": "XYZ"}, "--directorate: There is no directorate with the code"),
        (["directorate-quarterly"], {"directorate": "ASCH", "quarter": "Q9"}, "--quarter: 'Q9' is not a period"),
        (["local-spend"], {"financial_year": "next year"}, "--financial-year: “next year” is not a financial year"),
        (["golden-thread"], {"quarter": "2025-26 Q1"}, "--quarter does not apply to golden-thread"),
        (["local-spend"], {"contract": "CMD-RED"}, "--contract does not apply to local-spend: only to contract-review"),
        (["golden-thread"], {"as_at": "yesterday"}, "--as-at: “yesterday” is not a date"),
        (["golden-thread"], {"as_at": "2999-01-01"}, "--as-at: 1 January 2999 is in the future"),
        (
            ["golden-thread"],
            {"output": "/no/such/folder/report.pdf"},
            "--output: cannot write /no/such/folder/report.pdf",
        ),
        (["annual-accounts"], {}, "invalid choice: 'annual-accounts'"),
    ],
)
def test_a_bad_option_is_named(kcc_framework, args, options, message):
    with pytest.raises(CommandError) as error:
        report(*args, **options)
    assert message in str(error.value)


def test_a_report_as_at_a_day_before_the_framework_was_loaded_says_so(kcc_framework, backdate):
    backdate(TODAY - datetime.timedelta(days=10))
    with pytest.raises(CommandError, match="No outcomes framework has been loaded"):
        report("golden-thread", as_at=(TODAY - datetime.timedelta(days=20)).isoformat())
