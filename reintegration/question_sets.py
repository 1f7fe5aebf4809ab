"""Question sets of the reintegration check: read, checked and scored, as data.

A question set is a file in `reintegration/data/question_sets/` (JSON), loaded with
`manage.py load_question_set FILE`: its code and version, a title, the three dimensions of
reintegration (economic, social, psychosocial), each with its questions, the answer options
(an answer scale, in order), and optional weights. Answers are stored as raw codes with the
set's version, so that IOM's official Reintegration Sustainability Survey can be loaded the day
IOM provides its scoring sheet, and old answers scored with it (`score`). While a set has no
weights, no score is computed.

Nothing here touches the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

DIMENSIONS = ("economic", "social", "psychosocial")
LANGUAGES = ("en", "sv")
FILES = Path(__file__).resolve().parent / "data" / "question_sets"
INTERIM = FILES / "amp-interim-v1.json"


class QuestionSetError(ValueError):
    """A question set that cannot be used, with everything wrong with it."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Answer:
    code: str
    label: dict


@dataclass(frozen=True)
class Question:
    code: str
    text: dict
    answers: tuple[Answer, ...]

    def answer(self, code: str) -> Answer | None:
        return next((a for a in self.answers if a.code == code), None)


@dataclass(frozen=True)
class Dimension:
    code: str
    label: dict
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class QuestionSetSpec:
    code: str
    version: int
    title: dict
    interim: bool
    dimensions: tuple[Dimension, ...]
    weights: dict | None

    @property
    def questions(self) -> list[Question]:
        return [q for dimension in self.dimensions for q in dimension.questions]


def read(path: Path) -> dict:
    """The definition in a file, as it is (checked by `parse`)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise QuestionSetError([f"The file cannot be read as JSON: {error}"]) from error


def _texts(value, where: str, problems: list[str]) -> dict:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value[lang].strip() for lang in LANGUAGES
    ):
        problems.append(f"{where} needs a text in each of {', '.join(LANGUAGES)}.")
        return {}
    return {lang: value[lang] for lang in LANGUAGES}


def _scale(value, where: str, problems: list[str]) -> tuple[Answer, ...]:
    if not isinstance(value, list) or not value:
        problems.append(f"{where} has no answer options.")
        return ()
    answers, seen = [], set()
    for n, option in enumerate(value):
        code = option.get("code") if isinstance(option, dict) else None
        if not isinstance(code, str) or not code:
            problems.append(f"{where}, option {n + 1}, has no code.")
            continue
        if code in seen:
            problems.append(f"{where} has the answer code {code!r} twice.")
        seen.add(code)
        answers.append(Answer(code, _texts(option.get("label"), f"{where}, {code}", problems)))
    return tuple(answers)


def parse(definition: dict) -> QuestionSetSpec:
    """The question set `definition` describes; `QuestionSetError` with every problem found
    (a duplicate code, a missing dimension, an unknown scale or weight, a missing text)."""
    problems: list[str] = []
    if not isinstance(definition, dict):
        raise QuestionSetError(["A question set is a JSON object."])
    code = definition.get("code")
    version = definition.get("version")
    if not isinstance(code, str) or not code:
        problems.append("The set has no code.")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("The set's version is a whole number from 1.")
    title = _texts(definition.get("title"), "The title", problems)
    scales = {}
    for name, options in (definition.get("answer_scales") or {}).items():
        scales[name] = _scale(options, f"The answer scale {name!r}", problems)
    dimensions, seen_dimensions, seen_questions = [], [], set()
    for dimension in definition.get("dimensions") or []:
        dimension_code = dimension.get("code") if isinstance(dimension, dict) else None
        if dimension_code not in DIMENSIONS:
            problems.append(f"Unknown dimension {dimension_code!r}: use {', '.join(DIMENSIONS)}.")
            continue
        if dimension_code in seen_dimensions:
            problems.append(f"The dimension {dimension_code!r} is there twice.")
        seen_dimensions.append(dimension_code)
        questions = []
        for question in dimension.get("questions") or []:
            question_code = question.get("code") if isinstance(question, dict) else None
            if not isinstance(question_code, str) or not question_code:
                problems.append(f"A question of {dimension_code!r} has no code.")
                continue
            if question_code in seen_questions:
                problems.append(f"The question code {question_code!r} is there twice.")
            seen_questions.add(question_code)
            where = f"The question {question_code!r}"
            answers = question.get("answers")
            if isinstance(answers, str):
                if answers not in scales:
                    problems.append(f"{where} names the unknown answer scale {answers!r}.")
                options = scales.get(answers, ())
            else:
                options = _scale(answers, where, problems)
            text = _texts(question.get("text"), where, problems)
            questions.append(Question(question_code, text, options))
        if not questions:
            problems.append(f"The dimension {dimension_code!r} has no questions.")
        label = _texts(dimension.get("label"), f"The dimension {dimension_code!r}", problems)
        dimensions.append(Dimension(dimension_code, label, tuple(questions)))
    for missing in (d for d in DIMENSIONS if d not in seen_dimensions):
        problems.append(f"The dimension {missing!r} is missing.")
    spec = QuestionSetSpec(
        code=code,
        version=version,
        title=title,
        interim=bool(definition.get("interim")),
        dimensions=tuple(sorted(dimensions, key=lambda d: DIMENSIONS.index(d.code))),
        weights=definition.get("weights"),
    )
    _check_weights(spec, problems)
    if problems:
        raise QuestionSetError(problems)
    return spec


def _check_weights(spec: QuestionSetSpec, problems: list[str]) -> None:
    if spec.weights is None:
        return
    if not isinstance(spec.weights, dict):
        problems.append("The weights are an object: question code -> answer code -> number.")
        return
    questions = {q.code: q for q in spec.questions}
    for question_code, weights in spec.weights.items():
        question = questions.get(question_code)
        if question is None:
            problems.append(f"The weights name the unknown question {question_code!r}.")
            continue
        if not isinstance(weights, dict) or set(weights) != {a.code for a in question.answers}:
            problems.append(f"The weights of {question_code!r} must give every answer a number.")
            continue
        for answer_code, weight in weights.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                problems.append(f"The weight of {question_code!r} {answer_code!r} is no number.")
    for question in spec.questions:
        if question.code not in spec.weights:
            problems.append(f"The weights leave out the question {question.code!r}.")


def answer_problems(spec: QuestionSetSpec, answers: dict) -> list[str]:
    """What is wrong with `answers` (question code -> answer code) for the set: a question
    left out, an unknown question, an answer code the question does not offer."""
    problems = []
    questions = {q.code: q for q in spec.questions}
    for code in answers:
        if code not in questions:
            problems.append(f"Unknown question {code!r}.")
    for question in spec.questions:
        given = answers.get(question.code)
        if given is None:
            problems.append(f"The question {question.code!r} is not answered.")
        elif question.answer(given) is None:
            problems.append(f"{given!r} is not an answer to {question.code!r}.")
    return problems


def score(spec: QuestionSetSpec, answers: dict) -> dict[str, Decimal] | None:
    """Per dimension, the weights of the answers given as a share of the most the dimension's
    questions can weigh (0 to 1, two places); None while the set has no weights. Answers
    recorded with an earlier version are scored with this one's weights, question by question:
    a question the answers do not cover counts as not answered."""
    if spec.weights is None:
        return None
    scores = {}
    for dimension in spec.dimensions:
        got = most = Decimal(0)
        for question in dimension.questions:
            weights = {k: Decimal(str(v)) for k, v in spec.weights[question.code].items()}
            most += max(weights.values())
            given = answers.get(question.code)
            if given in weights:
                got += weights[given]
        scores[dimension.code] = (got / most).quantize(Decimal("0.01")) if most else None
    return scores
