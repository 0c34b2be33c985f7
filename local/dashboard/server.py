"""The local dashboard's HTTP service on 127.0.0.1: the page, Chart.js from ``node_modules`` (no
CDN: it works offline) and ``/series.json``, the graphs of ``infra.metric_graphs`` computed afresh
from the log folder on every request."""

from __future__ import annotations

from pathlib import Path

from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.wrappers import Request, Response

from infra.metric_graphs import GRAPHS
from local.dashboard import emf
from local.runtime.httpservice import LocalService

ROOT = Path(__file__).resolve().parents[2]
PAGE = Path(__file__).with_name("page.html")
CHART_JS = ROOT / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js"
DEFAULT_PORT = 8050
WINDOW_MINUTES = 30


def _positive(request: Request, name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) <= 0:
        raise BadRequest(f"{name} must be a positive whole number")
    return int(raw)


class Dashboard(LocalService):
    name = "dashboard"

    def __init__(self, log_dir: Path) -> None:
        super().__init__()
        self.log_dir = log_dir
        self.route("/", ["GET"])(self.page)
        self.route("/chart.js", ["GET"])(self.chart_js)
        self.route("/series.json", ["GET"])(self.series)

    def health_details(self) -> dict[str, object]:
        return {"log_dir": str(self.log_dir)}

    def page(self, request: Request) -> Response:
        return Response(PAGE.read_bytes(), mimetype="text/html")

    def chart_js(self, request: Request) -> Response:
        if not CHART_JS.is_file():
            raise NotFound(f"{CHART_JS} is missing: run `npm ci` (make does it)")
        return Response(CHART_JS.read_bytes(), mimetype="text/javascript")

    def series(self, request: Request) -> dict[str, object]:
        """The last ``minutes`` of the logs (30), ``bucket`` seconds per point (by default, as
        few as fit ``emf.MAX_BUCKETS`` points)."""
        minutes = _positive(request, "minutes") or WINDOW_MINUTES
        points = list(emf.read(self.log_dir)) if self.log_dir.is_dir() else []
        window = emf.Window.over(points, minutes, _positive(request, "bucket"))
        return {
            "log_dir": str(self.log_dir),
            "points": len(points),
            "bucket_seconds": window.bucket_ms // 1000,
            "times": window.times(),
            "graphs": emf.graphs(GRAPHS, points, window),
        }
