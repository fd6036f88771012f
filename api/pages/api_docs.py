"""The API's own documentation pages, /docs (Swagger UI) and /redoc, with their scripts and styles served by
the API itself: FastAPI's defaults fetch them from a CDN, which a council network or an offline machine cannot
reach, and the pages were blank there. The assets come from the `fastapi-offline` package, pinned in
pyproject.toml like every other dependency; nothing is downloaded at run time."""

import json
from importlib.resources import files
from typing import Any

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


# An example body for every officer action and every other write (api/examples.json, by route), dated along
# docs/walkthrough.md's timeline, so "Try it out" starts from a body the route takes
# (tests/api/test_openapi_examples.py holds each to its route's model). Kept out of the models: the workflows'
# action models are the workflows', not the API's docs.
EXAMPLES: dict[str, list[dict[str, Any]]] = json.loads((files("api") / "examples.json").read_text())


def install(app: FastAPI) -> None:
    """Serve /docs, /redoc and their assets; the app is made with `docs_url=None, redoc_url=None`."""
    _with_examples(app)
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


def _with_examples(app: FastAPI) -> None:
    """The OpenAPI document, built once as FastAPI builds it, with each action's example bodies added."""
    build = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        built = build()
        for route, examples in EXAMPLES.items():
            method, _, path = route.rpartition(" ")  # "PUT /cases/{case_ref}/assignment"; POST unless said
            body = built["paths"][path][(method or "post").lower()]["requestBody"]["content"]["application/json"]
            body["examples"] = {f"example {n}": {"value": value} for n, value in enumerate(examples, 1)}
        return built

    app.openapi = document  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
