"""The demo's social value (issue 5): commitments on about half of the demo contracts, delivery
returns verified, rejected and awaiting verification, and a mix of statuses today.

The demo's contracts and this module's social value are loaded once per module inside a
transaction rolled back afterwards, as tests/outcomes_link/test_demo.py does for the whole demo
(which runs this part too); the spend file plays no part here, so it is left out."""

import statistics
import time
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from contracts.choices import ContractCategory, ContractStatus
from contracts.models import Contract
from outcomes_link.demo import DEFAULT_SEED, DemoResult, demo_load
from outcomes_link.demo_social_value import FITTING, demo_social_value_load, social_value_figures
from social_value.models import DeliveryReturn, DeliveryStatus, SocialValueCommitment, SocialValueMeasure
from social_value.selectors import commitment_list, commitment_progress
from social_value.services import proxy_for


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            result = demo_load(seed=DEFAULT_SEED)
            started = time.perf_counter()
            demo_social_value_load(seed=DEFAULT_SEED, result=result)
            took = time.perf_counter() - started
            print(f"\nDemo social value loaded in {took:.1f}s")
            yield result
            transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return loaded


def test_the_demo_loads_the_default_catalogue(demo):
    assert SocialValueMeasure.objects.count() == 21
    assert demo.created["social value measures"] == 21


def test_about_half_of_the_demo_contracts_have_one_to_four_commitments_favouring_large_active_ones(demo):
    contracts = list(Contract.objects.annotate(n=Count("social_value_commitments")))
    committed = [c for c in contracts if c.n]
    others = [c for c in contracts if not c.n]
    assert 0.4 <= len(committed) / len(contracts) <= 0.6
    assert {c.n for c in committed} <= {1, 2, 3, 4}
    assert len({c.n for c in committed}) >= 3

    def active_share(group):
        return sum(c.status == ContractStatus.ACTIVE for c in group) / len(group)

    assert active_share(committed) > active_share(others)
    assert statistics.median(c.annual_value for c in committed) > statistics.median(c.annual_value for c in others)


def test_commitments_are_of_measures_that_fit_the_service_and_take_the_proxy_of_the_start_date(demo):
    commitments = list(SocialValueCommitment.objects.select_related("contract", "measure"))
    for c in commitments:
        assert c.measure.code in {code for code, _ in FITTING[c.contract.category]}, (c.contract.category, c)
        assert c.committed_on == c.start_date == c.contract.start_date
        assert c.due_date == c.contract.current_end_date
        assert c.quantity > 0
    by_category = Counter((c.contract.category, c.measure.code) for c in commitments)
    assert by_category[(ContractCategory.CHILDRENS_SERVICES, "SV4.2.1")] > 0  # care leavers
    assert by_category[(ContractCategory.ADULT_SOCIAL_CARE, "SV5.2.1")] > 0  # volunteering
    assert by_category[(ContractCategory.HIGHWAYS_TRANSPORT, "SV3.1.1")] > 0  # carbon saved

    valued = [c for c in commitments if c.proxy_value is not None]
    assert valued and all(c.committed_value > 0 for c in valued)
    for c in valued[:20]:
        assert c.proxy_value == proxy_for(c.measure, c.committed_on).value


def test_today_the_commitments_are_a_mix_of_on_track_at_risk_and_behind(demo):
    statuses = Counter(p.status for p in commitment_progress(commitment_list(), on=timezone.localdate()))
    total = sum(statuses.values())
    assert 0.45 <= statuses["on_track"] / total <= 0.72
    assert 0.15 <= statuses["at_risk"] / total <= 0.35
    assert 0.08 <= statuses["behind"] / total <= 0.25


def test_most_returns_are_verified_by_the_contracts_commissioner_some_rejected_and_the_last_quarter_waits(demo):
    returns = list(DeliveryReturn.objects.select_related("commitment__contract"))
    by_status = Counter(r.status for r in returns)
    assert by_status[DeliveryStatus.VERIFIED] > 0.7 * len(returns)
    assert by_status[DeliveryStatus.REJECTED] >= 10
    assert by_status[DeliveryStatus.SUBMITTED] >= 20
    today = timezone.localdate()
    for r in returns:
        contract = r.commitment.contract
        assert r.period_end < today
        assert r.evidence_note
        if r.status == DeliveryStatus.VERIFIED:
            assert r.verified_by_id == contract.commissioner_id
        elif r.status == DeliveryStatus.REJECTED:
            assert r.rejection_reason
        else:
            # Awaiting verification: the latest quarter of a contract still running.
            assert contract.current_end_date >= today
            assert (today - r.period_end).days <= 92
    # A rejected return was sent again, corrected, for the same period.
    rejected = next(r for r in returns if r.status == DeliveryStatus.REJECTED)
    again = [
        r
        for r in returns
        if r.commitment_id == rejected.commitment_id and r.period_start == rejected.period_start and r != rejected
    ]
    assert again and again[0].quantity < rejected.quantity


def test_the_summary_figures_add_up(demo):
    figures = social_value_figures()
    assert figures.commitments == SocialValueCommitment.objects.count()
    assert figures.contracts == Contract.objects.filter(social_value_commitments__isnull=False).distinct().count()
    assert figures.on_track + figures.at_risk + figures.behind == figures.commitments
    assert 0 < figures.delivered_value < figures.committed_value
    assert figures.awaiting_verification == DeliveryReturn.objects.filter(status=DeliveryStatus.SUBMITTED).count()


def test_loading_the_demo_social_value_again_adds_nothing(demo):
    before = (
        SocialValueCommitment.objects.count(),
        DeliveryReturn.objects.count(),
        SocialValueCommitment.history.count(),
        DeliveryReturn.history.count(),
    )
    again = DemoResult()
    demo_social_value_load(seed=DEFAULT_SEED, result=again)
    assert not again.created_anything
    assert again.existing["contracts with social value commitments"] == social_value_figures().contracts
    after = (
        SocialValueCommitment.objects.count(),
        DeliveryReturn.objects.count(),
        SocialValueCommitment.history.count(),
        DeliveryReturn.history.count(),
    )
    assert after == before
