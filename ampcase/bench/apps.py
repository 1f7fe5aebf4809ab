from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "ampcase.bench"
    label = "bench"
    verbose_name = "Benchmark data"
