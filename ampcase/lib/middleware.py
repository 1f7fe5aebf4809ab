from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    """Pages may show personal data: no browser or proxy may keep a copy of any of them.

    Static files are answered by WhiteNoise before this runs, so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
