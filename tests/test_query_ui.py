"""The query page in a real browser: headless Chromium (Debian's) driven by playwright-core.
YASGUI comes from our own server (no CDN: every other request is blocked), the example queries
are there as tabs, a query runs and its results show; the screenshot is not blank."""

from __future__ import annotations

from PIL import Image, ImageStat

from tests.node_tools import require_chromium, require_node_modules, run_node


def test_yasgui_runs_a_query_offline(graph_server, tmp_path):
    require_node_modules("playwright-core", "@zazuko/yasgui")
    require_chromium()
    shot = tmp_path / "query.png"
    result = run_node("query-ui.mjs", graph_server, str(shot), str(tmp_path / "profile"))
    assert result["errors"] == []
    assert {"dmc-evaluations", "llm-vlm-as-reward", "coauthors"} <= set(result["tabs"])
    assert result["rows"] >= 1
    assert "DrM" in result["firstCell"]
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 900)
    stats = ImageStat.Stat(image)
    assert stats.stddev[0] > 10, "the screenshot is blank"
    # Dark text on a light page: a real share of the pixels is ink.
    dark = sum(image.histogram()[:128])
    assert dark > 0.005 * image.size[0] * image.size[1]


def test_query_page_without_a_browser(graph_server):
    import httpx

    page = httpx.get(f"{graph_server}/query").text
    assert '<script src="/static/vendor/yasgui.min.js">' in page
    assert "dmc-evaluations" in page
    assert "cdn" not in page.lower()
    assert httpx.get(f"{graph_server}/static/vendor/yasgui.min.js").status_code == 200
    assert httpx.get(f"{graph_server}/static/vendor/yasgui.min.css").status_code == 200
