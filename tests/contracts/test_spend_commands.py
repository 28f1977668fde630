"""import_spend: importing a published spend file from the command line (issue 4, point 3)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contracts.management.commands.import_spend import Command
from contracts.models import SpendImport, SpendLine, SpendPublisher
from tests.contracts.factories import ProviderFactory, spend_csv

ROWS = [
    ("2015-04-01", "1001", "Maidstone Care Ltd", "1,250.50", "Adult Social Care", "Homecare", "R"),
    ("2015-04-01", "1001", "Maidstone Care Ltd", "1,250.50", "Adult Social Care", "Homecare", "R"),  # identical
    ("02/04/2015", "1002", "Kent Highways Ltd", "(99.99)", "Highways", "Repairs", "C"),
    ("03-Apr-2015", "1003", "Redacted Personal Information", "£40.00", "Adult Social Care", "Direct payments", "R"),
]


@pytest.fixture
def spend_file(tmp_path):
    def write(content: bytes, name: str = "kcc_2015-04.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return write


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_spend", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fields(text: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in text.splitlines()) if v}


def test_import_prints_the_summary_and_writes_every_line(db, spend_file):
    ProviderFactory(name="Maidstone Care Limited")
    out, err = run(spend_file(spend_csv(ROWS)))

    summary = fields(out)
    assert summary["File"] == "kcc_2015-04.csv"
    assert summary["Publisher"] == "Kent County Council"  # read from the file's Body Name
    assert summary["Rows"] == "4"
    assert summary["Total"] == "£2,441.01"
    assert summary["Lines added"] == "4 (£2,441.01)"
    assert summary["Already there"] == "0"
    assert summary["Redacted lines"] == "1"
    assert summary["Matched lines"] == "2"
    assert "date = Payment Date" in summary["Columns used"]
    assert "supplier = Supplier Name" in summary["Columns used"]
    assert "Imported 4 of 4 lines." in out
    assert err == ""
    assert SpendLine.objects.count() == 4
    assert sum(SpendLine.objects.values_list("amount_pence", flat=True)) == 244101


def test_reimporting_the_same_file_adds_nothing(db, spend_file):
    path = spend_file(spend_csv(ROWS))
    run(path)

    out, _ = run(path)

    assert (fields(out)["Lines added"], fields(out)["Already there"]) == ("0 (£0.00)", "4")
    assert "This file was imported before" in out
    assert SpendLine.objects.count() == 4
    assert SpendImport.objects.count() == 2


def test_dry_run_writes_nothing(db, spend_file):
    out, _ = run(spend_file(spend_csv(ROWS)), "--dry-run")

    assert fields(out)["Lines added"] == "4 (£2,441.01)"
    assert out.rstrip().endswith("Dry run: nothing written.")
    assert not SpendLine.objects.exists()
    assert not SpendImport.objects.exists()
    assert not SpendPublisher.objects.exists()


def test_publisher_option_names_the_council(db, spend_file):
    out, _ = run(spend_file(spend_csv(ROWS[:1])), "--publisher", "  Kent   County Council ")

    assert fields(out)["Publisher"] == "Kent County Council"
    assert SpendLine.objects.get().publisher.name == "Kent County Council"


HEADINGS = ["Body Name", "Paid On", "Transaction Number", "Beneficiary Ref", "Net Amount", "Service Area",
            "Expense Type", "Capital / Revenue"]  # fmt: skip


def test_unrecognised_column_is_mapped_once_and_saved_for_the_publisher(db, spend_file):
    path = spend_file(spend_csv(ROWS, headings=HEADINGS))
    with pytest.raises(CommandError, match="rejected"):
        run(path)

    out, _ = run(path, "--column", "date=Paid On", "--column", "supplier=Beneficiary Ref")

    assert "date = Paid On" in fields(out)["Columns used"]
    assert "Column mapping:  saved for Kent County Council" in out
    publisher = SpendPublisher.objects.get()
    assert publisher.column_mapping == {"date": "Paid On", "supplier": "Beneficiary Ref"}
    # The publisher's next file needs no mapping.
    later = spend_file(spend_csv([("2015-05-01", "2001", "Acme Ltd", "10.00")], headings=HEADINGS), "next.csv")
    out, _ = run(later, "--publisher", "Kent County Council")
    assert fields(out)["Lines added"] == "1 (£10.00)"


def test_missing_column_is_printed_to_stderr_with_the_headings(db, spend_file):
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_spend", spend_file(spend_csv(ROWS, headings=HEADINGS)), "--no-progress", stderr=err)

    assert str(error.value) == "kcc_2015-04.csv was rejected: 1 problem, nothing was imported."
    problem = err.getvalue()
    assert problem.startswith("File: no column recognised for the date") and "supplier" in problem
    assert "Paid On" in problem and "--column FIELD=HEADER" in problem
    assert not SpendPublisher.objects.exists()


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("payee=Beneficiary Ref", "'payee' is not a field. The fields are: date, supplier, amount, transaction_number"),
        ("supplier", "write it as FIELD=HEADER"),
        ("supplier=", "write it as FIELD=HEADER"),
    ],
)
def test_bad_column_option_is_refused_before_reading(db, spend_file, column, message):
    with pytest.raises(CommandError, match=message):
        run(spend_file(spend_csv(ROWS)), "--column", column)

    assert not SpendImport.objects.exists()


def test_mapping_to_a_heading_the_file_lacks_is_a_problem(db, spend_file):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_spend", spend_file(spend_csv(ROWS)), "--column", "date=Paid When", "--no-progress", stderr=err
        )

    assert "there is no column headed 'Paid When'" in err.getvalue()


def test_bad_rows_are_all_listed_and_nothing_is_written(db, spend_file):
    rows = [*ROWS, ("2015-02-30", "1004", "Acme Ltd", "12.00"), ("2015-04-05", "1005", "Acme Ltd", "twelve")]
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problems, nothing was imported"):
        call_command("import_spend", spend_file(spend_csv(rows)), "--no-progress", stderr=err)

    problems = err.getvalue().splitlines()
    assert problems[0].startswith("Row 6, date: '2015-02-30'")
    assert problems[1].startswith("Row 7, amount: 'twelve'")
    assert len(problems) == 2
    assert not SpendLine.objects.exists()
    assert not SpendImport.objects.exists()
    assert not SpendPublisher.objects.exists()


def test_the_first_100_problems_are_listed_with_the_count_of_the_rest(db, spend_file):
    rows = [(f"2015-04-{n % 28 + 1:02d}", str(n), "Acme Ltd", "n/a") for n in range(130)]
    err = io.StringIO()
    with pytest.raises(CommandError, match="130 problems"):
        call_command("import_spend", spend_file(spend_csv(rows)), "--no-progress", stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == 101
    assert lines[0].startswith("Row 2, amount:")
    assert lines[99].startswith("Row 101, amount:")
    assert lines[100] == "and 30 more problems"


def test_failure_exits_with_status_1(db, spend_file, capsys):
    path = spend_file(spend_csv([("not a date", "1", "Acme Ltd", "1.00")]))

    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "import_spend", path, "--no-progress"])

    assert exit_.value.code == 1
    assert "Row 2, date: 'not a date'" in capsys.readouterr().err


def test_unreadable_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*missing.csv: No such file or directory"):
        run(str(tmp_path / "missing.csv"))


def test_user_is_recorded_on_the_import(procurement, spend_file):
    run(spend_file(spend_csv(ROWS)), "--user", "procurement")

    assert SpendImport.objects.get().imported_by == procurement


def test_user_without_the_role_is_refused(member, spend_file):
    with pytest.raises(CommandError, match="member's role does not allow importing spend files"):
        run(spend_file(spend_csv(ROWS)), "--user", "member")

    assert not SpendImport.objects.exists()


def test_unknown_user_is_refused(db, spend_file):
    with pytest.raises(CommandError, match="There is no user 'nobody'"):
        run(spend_file(spend_csv(ROWS)), "--user", "nobody")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_is_drawn_on_a_terminal_only(db, spend_file):
    path = spend_file(spend_csv(ROWS))
    terminal, plain = _Terminal(), io.StringIO()

    call_command("import_spend", path, stdout=io.StringIO(), stderr=terminal)
    call_command("import_spend", path, stdout=io.StringIO(), stderr=plain)
    quiet = _Terminal()
    call_command("import_spend", path, "--no-progress", stdout=io.StringIO(), stderr=quiet)

    assert "kcc_2015-04.csv" in terminal.getvalue() and "%" in terminal.getvalue()
    assert plain.getvalue() == ""
    assert quiet.getvalue() == ""
