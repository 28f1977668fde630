"""The golden thread report (issue 6, report (a)): the council's framework from its vision down to
every supporting outcome, and the contracts that serve each.

"with a 'golden thread' running through our plans and strategies that directly links delivery to
these outcomes" (KCC Strategic Statement 2015-2020). The report gives the vision and the strategic
outcomes, then one section per supporting outcome (all of them, even those no contract serves yet,
so a gap is shown rather than hidden): its scorecard, its basket of measures with their direction
of travel, and every contract linked to it.

The figures are the outcome pages': the scorecards (outcomes_link.selectors.outcome_scorecards,
whose rules are its docstring: active contracts, contract value attributed to the penny per link,
RAG in the last quarter ended, direction of travel, concerns, deductions, social value, spend) and
the baskets of measures (commissioning.selectors.outcome_measure_baskets, with the majority rule of
the Strategic Statement Annual Report 2016). Where a supporting outcome has no outcome measures
recorded yet, the framework's suggested measures are listed instead. A fixed number of queries
whatever the number of contracts or measures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from commissioning.downloads import COUNT, MONEY, PERCENT, TEXT
from commissioning.models import Framework, StrategicOutcome, SuggestedMeasure, SupportingOutcome
from commissioning.selectors import Basket, framework_get_default, outcome_measure_baskets
from commissioning.templatetags.gt import NOT_KNOWN, money_short, share
from contracts.choices import ContractStatus
from outcomes_link.measure_charts import format_value
from outcomes_link.reports.base import RAG, Cell, ContentsEntry, PdfReport, ReportOptionError, ReportTable, report_table
from outcomes_link.reports.charts import BarChart, bar_chart
from outcomes_link.selectors import contracts_without_links
from outcomes_link.selectors.scorecards import DIRECTION_RULE, OutcomeScorecard, ScorecardSet, outcome_scorecards
from social_value.charts import committed_delivered_chart


@dataclass
class SupportingSection:
    outcome: SupportingOutcome
    anchor: str
    card: OutcomeScorecard
    basket: Basket | None
    measures: ReportTable
    suggested: list[str]
    contracts: ReportTable


@dataclass
class StrategicSection:
    outcome: StrategicOutcome
    anchor: str
    card: OutcomeScorecard
    value_chart: BarChart
    supporting: list[SupportingSection] = field(default_factory=list)


def _short(outcome: SupportingOutcome | StrategicOutcome) -> str:
    return f"{outcome.code} {outcome.short_title or outcome.title}"


class GoldenThreadReport(PdfReport):
    code = "golden-thread"
    title = "The golden thread"
    template_name = "reports/golden_thread.html"
    description = (
        "How the council's contracts serve its strategic and supporting outcomes: for every supporting "
        "outcome, its scorecard, its basket of measures and the contracts that serve it."
    )

    def __init__(self, *, framework: Framework | None = None):
        self.framework = framework

    def get_context(self) -> dict[str, Any]:
        framework = self.framework or framework_get_default()
        if framework is None:
            raise ReportOptionError(
                "framework", "No outcomes framework has been loaded: load one with manage.py load_framework."
            )
        cards = outcome_scorecards(framework=framework)
        baskets = outcome_measure_baskets(framework=framework)
        suggested: dict[int, list[str]] = defaultdict(list)
        for outcome_id, text in (
            SuggestedMeasure.objects.filter(supporting_outcome__framework=framework)
            .order_by("supporting_outcome_id", "order", "pk")
            .values_list("supporting_outcome_id", "text")
        ):
            suggested[outcome_id].append(text)

        sections = []
        for card in cards.strategic_in_order:
            section = StrategicSection(
                outcome=card.outcome,
                anchor=f"strategic-{card.outcome.code}",
                card=card,
                value_chart=bar_chart(
                    f"Contract value attributed a year to the supporting outcomes of strategic outcome "
                    f"{card.outcome.code}",
                    [
                        (_short(s.outcome), s.attributed_value, money_short(s.attributed_value), "value")
                        for s in card.supporting
                    ],
                    tick_label=money_short,
                ),  # fmt: skip
            )
            for sub in card.supporting:
                basket = baskets.get(sub.outcome.pk)
                section.supporting.append(
                    SupportingSection(
                        outcome=sub.outcome,
                        anchor=f"outcome-{sub.outcome.code}",
                        card=sub,
                        basket=basket if basket is not None and basket.measures else None,
                        measures=_measures_table(sub.outcome, basket),
                        suggested=suggested.get(sub.outcome.pk, []),
                        contracts=_contracts_table(sub, cards),
                    )
                )
            sections.append(section)

        return {
            "framework": framework,
            "scorecards": cards,
            "sections": sections,
            "supporting_count": len(cards.supporting),
            "linked_contracts": cards.linked_contracts,
            "total_value": cards.total_value,
            "gap_count": contracts_without_links().count(),
            "summary": _summary_table(cards),
            "social_value_table": report_table(
                "Social value by strategic outcome (each commitment once)",
                [
                    ("Strategic outcome", TEXT),
                    ("Commitments", COUNT),
                    ("Committed", MONEY),
                    ("Delivered", MONEY),
                    ("Delivered of committed", PERCENT),
                ],
                [
                    [
                        f"{c.outcome.code} {c.outcome.title}",
                        c.social_value.commitments,
                        c.social_value.committed_value,
                        c.social_value.delivered_value,
                        c.social_value.delivered_share,
                    ]
                    for c in cards.strategic_in_order
                ],
            ),  # fmt: skip
            "social_value_chart": committed_delivered_chart(
                [(_short(card.outcome), card.social_value) for card in cards.strategic_in_order],
                grouped_by="strategic outcome",
            ),
            "direction_rule": DIRECTION_RULE,
        }

    def get_contents(self, context: dict[str, Any]) -> list[ContentsEntry]:
        entries = [ContentsEntry("vision", "The vision and the outcomes")]
        for section in context["sections"]:
            entries.append(
                ContentsEntry(section.anchor, f"Strategic outcome {section.outcome.code}: {section.outcome.title}")
            )
            entries += [ContentsEntry(s.anchor, f"{s.outcome.code} {s.outcome.title}", 2) for s in section.supporting]
        entries.append(ContentsEntry("about", "About the figures"))
        return entries


def _summary_table(cards: ScorecardSet) -> ReportTable:
    rows = []
    for strategic in cards.strategic_in_order:
        for card in strategic.supporting:
            rows.append(
                [
                    f"{card.outcome.code} {card.outcome.title}",
                    card.contract_count,
                    Cell(money_short(card.attributed_value), numeric=True),
                    Cell(f"{card.rag.green} / {card.rag.amber} / {card.rag.red}", numeric=True),
                    card.direction.label,
                    Cell(money_short(card.social_value.committed_value), numeric=True),
                    Cell(money_short(card.social_value.delivered_value), numeric=True),
                ]
            )
    return report_table(
        "Every supporting outcome's scorecard",
        [
            ("Supporting outcome", TEXT),
            ("Active contracts", COUNT),
            ("Attributed a year", MONEY),
            (f"Green / amber / red, {cards.quarter.label}", COUNT),
            ("Direction of travel", TEXT),
            ("Social value committed", MONEY),
            ("Social value delivered", MONEY),
        ],
        rows,
    )


def _value_text(row) -> str:
    latest = row.latest_value
    if latest is None:
        return "No value recorded"
    unit = f" {row.measure.unit}" if row.measure.unit else ""
    return f"{format_value(latest.value)}{unit} ({latest.period})"


def _measures_table(outcome: SupportingOutcome, basket: Basket | None) -> ReportTable:
    rows = [
        [
            f"{row.measure.code} {row.measure.name}",
            _value_text(row),
            row.dot_1yr.label,
            row.dot_3yr.label,
            row.vs_national.label,
        ]
        for row in (basket.measures if basket is not None else [])
    ]
    return report_table(
        f"The basket of measures of {outcome.code}",
        [("Measure", TEXT), ("Latest value", TEXT), ("1 year", TEXT), ("3 year", TEXT), ("Against national", TEXT)],
        rows,
        empty="no outcome measures are recorded for this outcome.",
    )


def _quarter_cell(summary) -> Cell:
    if summary is None or not summary.rag:
        return Cell("Not reported")
    return Cell(f"{summary.get_rag_display()} {summary.score}", css=f"rag rag--{summary.rag}")


def _attributed_cell(row) -> Decimal | Cell:
    """The £ a contract attributes, or "Not known" when its annual value is (a published register's "TBC")."""
    return Cell(NOT_KNOWN, numeric=True) if row.attributed_value is None else row.attributed_value


def _contracts_table(card: OutcomeScorecard, cards: ScorecardSet) -> ReportTable:
    rows = []
    for r in card.contracts:
        contract = r.contract
        ended = "" if r.is_active else f" ({contract.get_status_display().lower()})"
        rows.append(
            [
                f"{contract.reference} {contract.title}{ended}",
                contract.provider.name,
                Cell(share(r.share), numeric=True),
                _attributed_cell(r) if contract.status == ContractStatus.ACTIVE else None,
                _quarter_cell(r.summary),
                r.open_concerns,
            ]
        )
    return report_table(
        f"Contracts linked to {card.outcome.code}, largest first",
        [
            ("Contract", TEXT),
            ("Provider", TEXT),
            ("Share", TEXT),
            ("Attributed a year", MONEY),
            (cards.quarter.label, RAG),
            ("Open concerns", COUNT),
        ],
        rows,
        empty="no contract serves this outcome yet: a gap in the golden thread.",
        note="Contract value is attributed from active contracts only." if any(not r.is_active for r in card.contracts)
        else "",
    )  # fmt: skip
