"""The case root's own conditions of submission to IOM Finland (DESIGN.md section 5).

Each returns what it finds missing, in words for the coordinator. They are registered in
`apps.py`; other apps add theirs the same way (`registry.submission_check`).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import (
    Application,
    Case,
    ConsentPurpose,
    Document,
    EligibilityAssessment,
    current_consents,
)


def eligibility_passed(case: Case) -> list[str]:
    assessment = EligibilityAssessment.objects.filter(case=case).first()
    if assessment is None or not assessment.is_eligible:
        return [_("The eligibility screening has not been passed.")]
    return []


def consent_to_share_with_iom(case: Case) -> list[str]:
    if not current_consents(case).get(ConsentPurpose.IOM_FINLAND):
        return [_("There is no consent to share the case with IOM Finland.")]
    return []


def application_signed(case: Case) -> list[str]:
    application = Application.objects.filter(case=case).first()
    if application is None:
        return [_("The application has not been filled in.")]
    problems = []
    if not case.destination_country:
        problems.append(_("The destination country is missing."))
    if not application.voluntary_declaration:
        problems.append(_("The returnee's written voluntary declaration is missing."))
    if not application.in_returnees_language and not application.interpreter.strip():
        problems.append(
            _(
                "The application was not filled in the returnee's language and no authorised "
                "interpreter is recorded."
            )
        )
    return problems


def signed_application_uploaded(case: Case) -> list[str]:
    if not case.documents.filter(kind=Document.Kind.SIGNED_APPLICATION).exists():
        return [_("The signed application has not been uploaded.")]
    return []


def _page(name: str, query: str = ""):
    def link(case: Case) -> str:
        return reverse(f"referrals:{name}", args=[case.uuid]) + query

    return link


# (task, check, where it is done, what to do there)
SUBMISSION_CHECKS = [
    (
        gettext_lazy("Eligibility screening"),
        eligibility_passed,
        _page("eligibility"),
        gettext_lazy("Screen eligibility"),
    ),
    (
        gettext_lazy("Consent to share with IOM Finland"),
        consent_to_share_with_iom,
        _page("consent", f"?purpose={ConsentPurpose.IOM_FINLAND}"),
        gettext_lazy("Record the consent to share with IOM Finland"),
    ),
    (
        gettext_lazy("Application filled in and signed, with interpreter"),
        application_signed,
        _page("application"),
        gettext_lazy("Fill in the application"),
    ),
    (
        gettext_lazy("Signed application uploaded"),
        signed_application_uploaded,
        _page("document-upload", f"?kind={Document.Kind.SIGNED_APPLICATION}"),
        gettext_lazy("Upload the signed application"),
    ),
]
