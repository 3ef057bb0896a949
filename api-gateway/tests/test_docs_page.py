"""/docs works offline and behind the web app's /api/ prefix: every asset from the gateway, no inline script."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        self._in_script = tag == "script"
        if tag == "script" and not attrs.get("src"):
            self.inline_scripts.append("")
        for name, value in attrs.items():
            if name.startswith("on"):  # an inline event handler is inline script too
                self.inline_scripts.append(value)

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


@pytest.mark.parametrize("page_path", ["/docs", "/v1/docs"])
def test_the_docs_page_and_every_asset_it_references_come_from_the_gateway(client, page_path):
    response = client.get(page_path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = Page()
    page.feed(response.get_data(as_text=True))
    assert not page.inline_scripts, "the web app's CSP (script-src 'self') blocks inline script"
    assert len(page.urls) >= 3
    for url in page.urls:
        assert not urlsplit(url).scheme and not url.startswith(("/", "//")), f"{url} is not relative"
        # Behind Nginx the page is /api/docs: a relative URL keeps the prefix, an absolute one would not.
        assert urljoin("http://shop/api" + page_path, url).startswith("http://shop/api/")
        asset = client.get(urljoin("http://localhost" + page_path, url))
        assert asset.status_code == 200, url
        assert asset.get_data()


def test_the_init_script_reads_the_document_relative_to_the_page_and_calls_nothing_outside(client):
    script = client.get("/docs/docs-init.js")
    assert script.mimetype in ("text/javascript", "application/javascript")
    text = script.get_data(as_text=True)
    assert 'url: "openapi.json"' in text
    assert "validatorUrl: null" in text  # else Swagger UI fetches a badge from an online validator
    assert "http" not in text


def test_the_bundle_is_swagger_ui_5_which_renders_openapi_3_1(client):
    bundle = client.get("/docs/swagger-ui-bundle.js").get_data(as_text=True)
    assert "SwaggerUIBundle" in bundle
    assert client.get("/openapi.json").get_json()["openapi"].startswith("3.1")
    from pathlib import Path

    from swagger_ui_bundle import swagger_ui_path

    version = Path(swagger_ui_path).name  # the package keeps its assets in vendor/swagger-ui-<version>
    assert version.startswith("swagger-ui-5."), version


def test_only_the_listed_assets_are_served(client):
    assert client.get("/docs/index.html").status_code == 404
    assert client.get("/docs/..%2F..%2Fsettings.py").status_code == 404
