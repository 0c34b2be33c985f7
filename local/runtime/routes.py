"""Werkzeug routing for the local services: rules, their handlers, and JSON answers for errors.

Paths are matched as sent (no merging of doubled slashes, no redirects); a method a path does not
serve gets 405 with an ``Allow`` header.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

log = logging.getLogger(__name__)

Handler = Callable[..., Response | tuple[int, Any] | Any]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


class Routes:
    def __init__(self, service: str) -> None:
        self.service = service
        self._rules: list[Rule] = []
        self._handlers: dict[str, Handler] = {}
        self._map: Map | None = None

    def add(self, rule: str, methods: Iterable[str] | None, handler: Handler) -> None:
        """``methods=None``: every method (the handler answers the ones it does not serve)."""
        listed = list(methods) if methods is not None else None
        endpoint = f"{handler.__name__}:{rule}:{','.join(listed or ['*'])}"
        self._rules.append(Rule(rule, endpoint=endpoint, methods=listed))
        self._handlers[endpoint] = handler
        self._map = None

    def _url_map(self) -> Map:
        if self._map is None:
            self._map = Map([r.empty() for r in self._rules], strict_slashes=False, merge_slashes=False)
        return self._map

    def dispatch(self, request: Request) -> Response:
        adapter = self._url_map().bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
            result = self._handlers[str(endpoint)](request, **args)
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or ()))
            return json_response({"error": exc.name, "path": request.path}, 405, {"Allow": allowed})
        except NotFound as exc:
            return json_response({"error": exc.name, "path": request.path}, 404)
        except HTTPException as exc:
            return json_response({"error": exc.description}, exc.code or 500)
        except Exception as exc:  # an emulator bug must show up as a 500, with its reason
            log.exception("%s: unhandled error on %s %s", self.service, request.method, request.path)
            return json_response({"error": f"{type(exc).__name__}: {exc}"}, 500)
        if isinstance(result, Response):
            return result
        if isinstance(result, tuple):
            status, body = result
            return json_response(body, status)
        return json_response(result)
