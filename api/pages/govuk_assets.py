"""GOV.UK Frontend's CSS, fonts and images, served by the app itself under ASSETS for the families' pages.

They come from the npm package govuk-frontend (package.json at the repository root; `make` runs `npm ci`, the
image copies them in: deploy/Dockerfile), so nothing is fetched from a CDN and the pages' Content-Security-Policy
can say 'self'. The package's compiled stylesheet names its fonts and images at /assets/, where a site built
with its own tools would put them; here they live under ASSETS, so the stylesheet is served with those addresses
rewritten (and without its source-map comment), read once. No JavaScript is served: the pages work without it.
"""

from functools import lru_cache
from pathlib import Path

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from core.config import Settings

log = structlog.get_logger(__name__)

ASSETS = "/portal/assets"
STYLESHEET = f"{ASSETS}/govuk-frontend.min.css"
_STYLESHEET_FILE = "govuk-frontend.min.css"
# The stylesheet's name does not change between the package's versions: a browser asks again after a day.
_ASSET_CACHE = "public, max-age=86400"


@lru_cache(maxsize=2)
def _stylesheet(directory: Path) -> bytes:
    css = (directory / _STYLESHEET_FILE).read_text(encoding="utf-8")
    css = css.replace("url(/assets/", f"url({ASSETS}/")
    return css.split("/*# sourceMappingURL=")[0].encode()


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the stylesheet at STYLESHEET and the package's assets/ folder (fonts, images) under ASSETS.

    Without the package (npm ci not run) the app still starts, says so in the log, and the pages are plain."""
    directory = settings.govuk_frontend_dir
    if not (directory / _STYLESHEET_FILE).is_file():
        log.warning("govuk-frontend is missing: the portal's pages are unstyled (run make)", path=str(directory))

    async def stylesheet(request: Request) -> Response:  # noqa: ARG001  # Starlette passes the request
        try:
            css = _stylesheet(directory)
        except FileNotFoundError:
            return Response(status_code=404)
        return Response(css, media_type="text/css", headers={"Cache-Control": _ASSET_CACHE})

    app.router.routes.append(Route(STYLESHEET, stylesheet, methods=["GET", "HEAD"], include_in_schema=False))
    app.mount(ASSETS, StaticFiles(directory=directory / "assets", check_dir=False), name="govuk-assets")
