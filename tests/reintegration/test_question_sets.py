"""The reintegration check: question sets loaded from files (each bad file refused with what is
wrong), answers recorded as raw codes with their set's version, and old answers scored once a
version with weights is loaded."""

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from referrals import services as case_services
from reintegration import question_sets
from reintegration.models import QuestionSet, ReintegrationCheck
from reintegration.services import followup, support
from tests.conftest import sign_in
from tests.factories import make_arrived_case

pytestmark = pytest.mark.django_db


def interim() -> dict:
    return question_sets.read(question_sets.INTERIM)


def answers(value="mostly", **overrides) -> dict:
    codes = [q.code for q in question_sets.parse(interim()).questions]
    return {**dict.fromkeys(codes, value), **overrides}


def write(tmp_path, definition) -> str:
    path = tmp_path / "set.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    return str(path)


def test_the_interim_set_is_loaded_by_the_migration_and_has_three_dimensions():
    loaded = QuestionSet.objects.get(code="amp-interim", version=1)
    spec = question_sets.parse(loaded.definition)
    assert [d.code for d in spec.dimensions] == ["economic", "social", "psychosocial"]
    assert [len(d.questions) for d in spec.dimensions] == [3, 3, 3]
    assert (spec.interim, spec.weights) == (True, None)


def test_a_good_file_is_loaded_and_loading_it_again_changes_nothing(tmp_path, capsys):
    definition = {**interim(), "version": 2}
    call_command("load_question_set", write(tmp_path, definition))
    call_command("load_question_set", write(tmp_path, definition))
    assert QuestionSet.objects.filter(code="amp-interim").count() == 2
    assert "Already loaded, unchanged: amp-interim v2." in capsys.readouterr().out


def _without_dimension(d):
    d["dimensions"] = [x for x in d["dimensions"] if x["code"] != "social"]


def _twice_the_question(d):
    d["dimensions"][1]["questions"].append(copy.deepcopy(d["dimensions"][0]["questions"][0]))


def _twice_the_answer(d):
    d["answer_scales"]["how_far"].append({"code": "partly", "label": {"en": "x", "sv": "x"}})


def _unknown_scale(d):
    d["dimensions"][0]["questions"][0]["answers"] = "how_much"


def _no_swedish(d):
    del d["dimensions"][2]["questions"][1]["text"]["sv"]


def _weights_of_an_unknown_answer(d):
    weights = {
        q["code"]: {"not_at_all": 0, "partly": 1, "mostly": 2, "fully": 3}
        for dimension in d["dimensions"]
        for q in dimension["questions"]
    }
    weights["income"]["always"] = 4
    d["weights"] = weights


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (_without_dimension, "The dimension 'social' is missing."),
        (_twice_the_question, "The question code 'income' is there twice."),
        (_twice_the_answer, "The answer scale 'how_far' has the answer code 'partly' twice."),
        (_unknown_scale, "The question 'income' names the unknown answer scale 'how_much'."),
        (_no_swedish, "The question 'wellbeing' needs a text in each of en, sv."),
        (_weights_of_an_unknown_answer, "The weights of 'income' must give every answer a number."),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong_and_nothing_is_loaded(tmp_path, spoil, problem):
    definition = {**copy.deepcopy(interim()), "version": 3}
    spoil(definition)
    with pytest.raises(CommandError) as refused:
        call_command("load_question_set", write(tmp_path, definition))
    assert problem in str(refused.value)
    assert not QuestionSet.objects.filter(version=3).exists()


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "set.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot be read as JSON"):
        call_command("load_question_set", str(path))


def test_a_loaded_version_cannot_be_changed(tmp_path):
    changed = copy.deepcopy(interim())
    changed["title"]["en"] = "Something else"
    with pytest.raises(CommandError, match="is loaded already, with other content"):
        call_command("load_question_set", write(tmp_path, changed))


# Recording checks.


@pytest.fixture
def arrived(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path
    return make_arrived_case(arrived_on=dt.date(2026, 6, 1))


def test_the_baseline_check_is_kept_as_raw_codes_with_its_version(arrived, nigeria_office):
    check = followup.record_check(
        arrived, by=nigeria_office, done_on=dt.date(2026, 6, 2), answers=answers()
    )
    assert (check.follow_up, check.question_set.version, check.answers["income"]) == (
        None,
        1,
        "mostly",
    )


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (answers(income="always"), "'always' is not an answer to 'income'."),
        ({**answers(), "shoes": "fully"}, "Unknown question 'shoes'."),
        (
            {k: v for k, v in answers().items() if k != "debt"},
            "The question 'debt' is not answered.",
        ),
    ],
)
def test_answers_that_do_not_fit_the_questions_are_refused(arrived, nigeria_office, given, problem):
    with translation.override("en"), pytest.raises(support.SupportError) as refused:
        followup.record_check(
            arrived, by=nigeria_office, done_on=dt.date(2026, 6, 2), answers=given
        )
    assert problem in refused.value.problems
    assert not ReintegrationCheck.objects.exists()


def test_only_the_office_and_iom_finland_record_a_check(arrived, stockholm_coordinator):
    with pytest.raises(case_services.Denied):
        followup.record_check(
            arrived, by=stockholm_coordinator, done_on=dt.date(2026, 6, 2), answers=answers()
        )


def test_old_answers_are_scored_once_a_version_with_weights_is_loaded(
    arrived, nigeria_office, tmp_path
):
    followup.record_check(
        arrived,
        by=nigeria_office,
        done_on=dt.date(2026, 6, 2),
        answers=answers("partly", income="fully", basic_needs="fully"),
    )
    # No weights yet: no score.
    assert question_sets.score(question_sets.parse(interim()), answers()) is None
    weighted = {**copy.deepcopy(interim()), "version": 2, "interim": False}
    _weights_of_an_unknown_answer(weighted)
    weighted["weights"]["income"].pop("always")
    call_command("load_question_set", write(tmp_path, weighted))
    old = ReintegrationCheck.objects.get()
    scores = question_sets.score(
        question_sets.parse(QuestionSet.objects.get(version=2).definition), old.answers
    )
    # Economic: fully (3) + fully (3) + partly (1) of 9; the others: partly (1) of 3 each.
    assert scores == {
        "economic": Decimal("0.78"),
        "social": Decimal("0.33"),
        "psychosocial": Decimal("0.33"),
    }
    page = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), nigeria_office).get(
        reverse("reintegration:follow-up", args=[arrived.uuid])
    )
    assert "0.78" in page.content.decode()


def test_the_check_is_recorded_from_its_page_and_shown_beside_the_next(arrived, nigeria_office):
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), nigeria_office)
    form = {"done_on": "2026-06-02", **{f"q_{k}": v for k, v in answers("partly").items()}}
    assert (
        client.post(reverse("reintegration:check-baseline", args=[arrived.uuid]), form).status_code
        == 302
    )
    followup.record_follow_up(
        arrived.follow_ups.get(month=1),
        by=nigeria_office,
        done_on=dt.date(2026, 7, 2),
        how="visit",
    )
    later = {"done_on": "2026-07-02", **{f"q_{k}": v for k, v in answers("fully").items()}}
    url = reverse("reintegration:check-follow-up", args=[arrived.uuid, 1])
    assert client.post(url, later).status_code == 302
    page = client.get(reverse("reintegration:follow-up", args=[arrived.uuid])).content.decode()
    assert "Economic: the answers over time" in page
    assert page.count("<td>Partly</td>") == 9 and page.count("<td>Fully</td>") == 9
