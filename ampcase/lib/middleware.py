from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_resolver


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


class OwnNotFoundPageMiddleware:
    """With DEBUG on (`make run`), answer a 404 with the app's own page as well.

    Django's debug 404 lists every URL pattern of the site, which is not what anyone trying
    the app should see, and it hides how the real page looks. Without DEBUG, Django already
    renders `handler404`; this middleware then does nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404:
            # The project's own handler404, as Django calls it without DEBUG.
            return get_resolver().resolve_error_handler(404)(request, Http404())
        return response
