"""Every reintegration support URL x every persona, on an arrived case (social worker
assigned) with a payment in each state a step starts from: 404 (not theirs), 403 (theirs to
see, not to do) or 200; the approvers' queue and the providers for their roles only."""

from decimal import Decimal

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from referrals import services as case_services
from referrals.models import Case
from reintegration.models import Payment, Provider
from reintegration.services import support
from tests.conftest import PERSONAS, make_personas, sign_in
from tests.factories import make_arrived_case
from tests.reintegration.test_support_views import (
    OFFICE,
    READ,
    READERS,
    STEPS,
    SUPPORT_URLS,
    SUPPORTERS,
    WRITE,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def matrix(module_transaction, django_db_blocker, tmp_path_factory):
    """Made once for the module (see `module_transaction`)."""
    with override_settings(DOCUMENT_ROOT=tmp_path_factory.mktemp("documents")):
        with django_db_blocker.unblock():
            people = make_personas()
            case = make_arrived_case(children=1)
            case_services.assign_social_worker(
                case, by=people["stockholm_coordinator"], social_worker=people["social_worker"]
            )
            provider = support.register_provider(
                by=people["iom_caseworker"], country="NG", name="Clinic", kind="clinic"
            )
            returnee = case.people.get(relation="returnee")

            def ask(month):
                return support.request_payment(
                    case,
                    by=people["iom_caseworker"],
                    beneficiary=returnee,
                    category="subsistence",
                    month=month,
                    amount=Decimal("150"),
                    payee="returnee",
                    method="cash",
                )

            approver, office = people["iom_approver"], people["nigeria_office"]
            requested = ask(1)
            approved = support.approve_payment(ask(2), by=approver)
            disbursed = support.disburse_payment(
                support.approve_payment(ask(3), by=approver),
                by=office,
                on=timezone.localdate(),
                reference="C-1",
                local_currency="NGN",
                local_amount=Decimal("232500"),
                exchange_rate=Decimal("1550"),
            )
        yield {
            "people": {name: user.pk for name, user in people.items()},
            "case": case.pk,
            "provider": provider.pk,
            "payments": {
                "requested": requested.pk,
                "approved": approved.pk,
                "disbursed": disbursed.pk,
            },
        }


def _url(name, case, payments, provider):
    if name in {"approvals", "providers", "provider-new"}:
        return reverse(f"reintegration:{name}")
    if name == "contract-new":
        return reverse(f"reintegration:{name}", args=[provider.uuid])
    if name == "child-share":
        child = case.people.get(relation="child")
        return reverse(f"reintegration:{name}", args=[case.uuid, child.uuid])
    if name in STEPS:
        return reverse(f"reintegration:{name}", args=[case.uuid, payments[STEPS[name]].uuid])
    if name == "payment-voucher":
        return reverse(f"reintegration:{name}", args=[case.uuid, payments["disbursed"].uuid])
    if name.startswith("payment") and name != "payment-new":
        return reverse(f"reintegration:{name}", args=[case.uuid, payments["approved"].uuid])
    return reverse(f"reintegration:{name}", args=[case.uuid])


def _expected(persona, name):
    if name == "approvals":
        return 200 if persona == "iom_approver" else 403
    if name in {"providers", "provider-new", "contract-new"}:
        return 200 if persona in SUPPORTERS else 403
    if persona not in READERS:
        return 404
    if name in READ:
        return 200
    if name in WRITE:
        return 200 if persona in SUPPORTERS else 403
    if name in OFFICE:
        return 200 if persona == "nigeria_office" else 403
    who = {
        "payment-approve": {"iom_approver"},
        "payment-reject": {"iom_approver"},
        "payment-cancel": SUPPORTERS,
        "payment-disburse": {"nigeria_office"},
        "payment-reconcile": {"nigeria_office"},
    }[name]
    return 200 if persona in who else 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_support_pages(people, matrix, persona):
    case = Case.objects.get(pk=matrix["case"])
    payments = {state: Payment.objects.get(pk=pk) for state, pk in matrix["payments"].items()}
    provider = Provider.objects.get(pk=matrix["provider"])
    client = sign_in(Client(), people[persona])
    for name in sorted(SUPPORT_URLS):
        response = client.get(_url(name, case, payments, provider))
        assert response.status_code == _expected(persona, name), (persona, name)
