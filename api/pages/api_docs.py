"""The API's own documentation pages, /docs (Swagger UI) and /redoc, with their scripts and styles served by
the API itself: FastAPI's defaults fetch them from a CDN, which a council network or an offline machine cannot
reach, and the pages were blank there. The assets come from the `fastapi-offline` package, pinned in
pyproject.toml like every other dependency; nothing is downloaded at run time."""

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS = "/docs/assets"
# Swagger UI keeps the token given to "Authorize" across a reload, and shows how long each call took.
# The pages load nothing but the API's own: ReDoc's footer would fetch its logo from redoc.ly, and is kept to
# 'self' here (the inline start-up script of each page, and ReDoc's web worker, are allowed).
POLICY = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'"
}
SWAGGER_UI = {"persistAuthorization": True, "displayRequestDuration": True, "tryItOutEnabled": False}


def install(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets; the app is made with `docs_url=None, redoc_url=None`."""
    app.mount(ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        at = request.scope.get("root_path", "")
        return _kept_in(
            get_swagger_ui_html(
                openapi_url=f"{at}{openapi_url}",
                title=f"{app.title} · API",
                oauth2_redirect_url=f"{at}{redirect_url}",
                swagger_js_url=f"{at}{ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{at}{ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{at}{ASSETS}/favicon.png",
                swagger_ui_parameters=SWAGGER_UI,
            )
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        at = request.scope.get("root_path", "")
        title, script, icon = (
            f"{app.title} · API reference",
            f"{at}{ASSETS}/redoc.standalone.js",
            f"{at}{ASSETS}/favicon.png",
        )
        page = get_redoc_html(
            openapi_url=f"{at}{openapi_url}",
            title=title,
            redoc_js_url=script,
            redoc_favicon_url=icon,
            with_google_fonts=False,
        )
        return _kept_in(page)


def _kept_in(page: HTMLResponse) -> HTMLResponse:
    """The page, told by its policy to load nothing from beyond the API."""
    page.headers.update(POLICY)
    return page
