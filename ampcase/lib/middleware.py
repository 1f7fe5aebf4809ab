from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
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
    renders `handler404`; this middleware is then left out of the chain.
    """

    def __init__(self, get_response):
        # Without DEBUG, Django leaves it out of the chain: nothing to do on any request.
        if not settings.DEBUG:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 404:
            # The project's own handler404, as Django calls it without DEBUG.
            return get_resolver().resolve_error_handler(404)(request, Http404())
        return response


class RequestSizeLimitMiddleware:
    """Refuse an upload that is too large before reading any of it: 413, nothing stored.

    Without this, Django reads the whole body (to a temporary file) before the form's own
    size check can refuse it: a 2 GB upload would be received in full just to be refused.
    The declared Content-Length is compared with `MAX_UPLOAD_REQUEST_BYTES`; a body longer
    than it declares is never read past that length by Django anyway.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.MAX_UPLOAD_REQUEST_BYTES:
                from ampcase.lib.documents import MAX_DOCUMENT_MEGABYTES

                return render(request, "413.html", {"max_mb": MAX_DOCUMENT_MEGABYTES}, status=413)
        return self.get_response(request)
