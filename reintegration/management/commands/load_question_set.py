"""Load a version of a question set of the reintegration check from its file, e.g. IOM's
official Reintegration Sustainability Survey once IOM provides its scoring sheet:

    manage.py load_question_set reintegration/data/question_sets/iom-rss-v1.json

New checks answer the set loaded last; answers recorded with earlier versions are kept as they
were and scored with the weights of the latest version of their set that has weights."""

from django.core.management.base import BaseCommand, CommandError

from reintegration.question_sets import QuestionSetError, read
from reintegration.services.followup import load_question_set


class Command(BaseCommand):
    help = "Load a version of a question set of the reintegration check from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The question set's file (JSON).")

    def handle(self, *args, path: str, **options):
        try:
            question_set, created = load_question_set(read(path))
        except QuestionSetError as error:
            raise CommandError(
                "The question set was not loaded:\n- " + "\n- ".join(error.problems)
            ) from error
        verb = "Loaded" if created else "Already loaded, unchanged:"
        self.stdout.write(f"{verb} {question_set}.")
