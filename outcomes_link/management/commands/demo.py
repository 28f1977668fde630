"""`manage.py demo`: load the KCC framework and a realistic, seeded demonstration set (see outcomes_link.demo)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from commissioning.choices import Role
from commissioning.templatetags.gt import money
from contracts.choices import SME_SIZES, ContractStatus, Location, Sector, SizeBand
from contracts.models import Contract, ContractVariation, Provider
from outcomes_link.demo import DEFAULT_SEED, demo_load, kent_based_share, performance_figures
from outcomes_link.demo_history import demo_history_backdate
from outcomes_link.demo_measures import demo_measures_load, measure_figures
from outcomes_link.demo_social_value import demo_social_value_load, social_value_figures
from outcomes_link.demo_spend import demo_spend_load, millions, spend_figures
from outcomes_link.demo_variations import demo_variations_load
from outcomes_link.models import OutcomeLink


class Command(BaseCommand):
    help = (
        "Load KCC's outcomes framework and a realistic demonstration set: about 250 contracts, 150 providers, "
        "golden-thread links, KPIs with two years of returns, one user per role, and a spend file of about "
        "50,000 lines over two financial years imported by the procurement officer. Seeded, so the set is "
        "the same every time; running it twice changes nothing. Prints the demo credentials."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED})")

    def handle(self, *args, seed, **options):
        started = timezone.now()
        try:
            result = demo_load(seed=seed)
            demo_spend_load(seed=seed, result=result)
            demo_social_value_load(seed=seed, result=result)
            demo_measures_load(seed=seed, result=result)
            # After the rest, so nothing else the demo plans depends on the contracts varied.
            demo_variations_load(seed=seed, result=result)
            # Last: date what this run wrote as if entered over the years, so past days show data too.
            history = demo_history_backdate(seed=seed, since=started) if result.created_anything else None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

        if result.created_anything:
            made = ", ".join(f"{n} {what}" for what, n in result.created.items() if n)
            self.stdout.write(f"Created {made}.")
        else:
            self.stdout.write("The demonstration data is already loaded; nothing was changed.")

        providers = Provider.objects.all()
        self.stdout.write(
            f"Now: {Contract.objects.count()} contracts "
            f"({Contract.objects.filter(status=ContractStatus.ACTIVE).count()} active), "
            f"{providers.count()} providers "
            f"({kent_based_share(providers)}% Kent-based, "
            f"{providers.filter(location=Location.OUTSIDE).count()} outside, "
            f"{providers.filter(location=Location.UNKNOWN).count()} location unknown; "
            f"{providers.filter(size=SizeBand.MICRO).count()} micro, "
            f"{providers.filter(size__in=SME_SIZES).count()} SMEs, "
            f"{providers.filter(sector=Sector.VCS).count()} VCS), "
            f"{OutcomeLink.objects.count()} outcome links."
        )
        perf = performance_figures()
        self.stdout.write(
            f"Performance: {perf.kpis} KPIs, {perf.returns} KPI returns, "
            f"{perf.open_concerns} open performance concern{'s' if perf.open_concerns != 1 else ''}, "
            f"deductions {money(perf.deductions_proposed)} proposed and {money(perf.deductions_applied)} applied."
        )

        variations = ContractVariation.objects.all()
        self.stdout.write(
            f"Contract variations: {variations.count()}, "
            f"{variations.filter(needs_change_notice=True).count()} needing a contract change notice."
        )

        for year in spend_figures():
            s = year.summary
            self.stdout.write(
                f"Local spend {year.label}: {s.lines:,} lines, total {millions(s.total_spend)}; "
                f"Kent-based {millions(s.kent_spend)} ({s.kent_share}%); "
                f"{s.suppliers:,} suppliers, {s.kent_suppliers:,} Kent-based ({s.kent_supplier_share}%); "
                f"SMEs {millions(s.sme_spend)}, Kent-based SMEs {millions(s.kent_sme_spend)}, "
                f"Kent-based micro {millions(s.kent_micro_spend)}; "
                f"VCS {millions(s.vcs_spend)}, Kent-based VCS {millions(s.kent_vcs_spend)}; "
                f"location unknown {millions(s.unknown_location_spend)}, redacted {millions(s.redacted_spend)}, "
                f"unmatched {millions(s.unmatched_spend)} ({year.unmatched_suppliers} supplier names to match)."
            )

        sv = social_value_figures()
        self.stdout.write(
            f"Social value: {sv.commitments} commitments on {sv.contracts} contracts, "
            f"committed {money(sv.committed_value)}, delivered {money(sv.delivered_value)} verified, "
            f"{sv.awaiting_verification} delivery returns awaiting verification; "
            f"{sv.on_track} on track, {sv.at_risk} at risk, {sv.behind} behind."
        )

        om = measure_figures()
        self.stdout.write(
            f"Outcome measures: {om.measures} measures with {om.values} values (the 2016 report's and illustrative "
            f"ones); {om.improving_1yr} of {om.outcomes} supporting outcomes improving over 1 year, "
            f"{om.improving_3yr} over 3 years."
        )

        if history is not None:
            self.stdout.write(
                f"History: dated from {history.earliest:%-d %B %Y}; add ?as_at=YYYY-MM-DD to any page to see it as it "
                f"then stood, e.g. ?as_at={history.example:%Y-%m-%d} (the end of the last financial year)."
            )

        self.stdout.write("")
        self.stdout.write("Demo sign-in (every account uses the same password):")
        rows = [("Username", "Role", "Name", "Directorate")]
        for person in result.users:
            rows.append(
                (
                    person.username,
                    Role(person.role).label,
                    f"{person.first_name} {person.last_name}",
                    person.directorate or "-",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for index, row in enumerate(rows):
            self.stdout.write("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        self.stdout.write(f"  Password: {result.password}")
