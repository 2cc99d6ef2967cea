"""The bench WSGI app: the production app (bench settings: bench/urls_bench.py before the real URLs), and
/bench/min/ served by the same Django without any middleware, for the minimal views of bench/load.py."""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
full = get_wsgi_application()

MINIMAL_PREFIX = "/bench/min/"


class BareHandler(WSGIHandler):
    """No middleware: a request goes to the URL resolver and the view, errors become responses."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list = []
        self._template_response_middleware: list = []
        self._exception_middleware: list = []
        self._middleware_chain = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]


bare = BareHandler()


def application(environ, start_response):
    handler = bare if environ.get("PATH_INFO", "").startswith(MINIMAL_PREFIX) else full
    return handler(environ, start_response)
