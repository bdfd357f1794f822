"""index.html in a real browser: headless Chromium, driven by Playwright, loading the page from file://.

Locally the test skips when Playwright or Chromium is missing; in CI (CI=true) it fails instead.
Screenshots are saved in tmp_path and, when KT_ARTIFACTS is set, copied there.
"""
from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from conftest import published_synthetic, read_rows, records, set_cells

CHROMIUM = os.environ.get("KT_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
PAYLOADS = {  # each would set window.__pwned if the page ever treated data as HTML or code
    2: {"title": "<script>window.__pwned = 1</script> Talks <b>resume</b>"},
    3: {"title": "</script><script>window.__pwned = 3</script>", "summary": '<img src=x onerror="window.__pwned = 2">'},
    4: {"title": "Unique zebra crossing talks"},
}


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI must run the browser test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def release(tmp_path: Path) -> tuple[Path, Path]:
    """A published 12-event package whose events 2 and 3 carry script payloads in their text."""
    def edit(pkg: Path) -> None:
        for line, cells in PAYLOADS.items():
            set_cells(pkg, "events", line, **cells)

    pkg, directory = published_synthetic(tmp_path, edit)
    return pkg, directory / "index.html"


def _save(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    if os.environ.get("KT_ARTIFACTS"):
        target = Path(os.environ["KT_ARTIFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / name)
    return shot


def _visible(page) -> int:
    return page.locator("article.event:not([hidden])").count()


def test_page_shows_filters_and_escapes_the_timeline(browser, release: tuple[Path, Path], tmp_path: Path) -> None:
    pkg, index = release
    events = read_rows(pkg, "events")
    header, rows = events[0], events[1:]
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith(("file:", "data:")) else None)
    page.goto(index.as_uri())

    # Every event is shown, grouped by year, with the counts.
    assert page.locator("article.event").count() == _visible(page) == len(rows)
    assert page.text_content("#count") == f"Showing {len(rows)} of {len(rows)} events"
    years = sorted({r[header.index("date_start")][:4] for r in rows})
    assert page.locator("h2.year-heading .year-number").all_text_contents() == years

    # Nothing in the data ran, and it all shows as text.
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img").count() == 0 and page.locator("script").count() == 2
    titles = page.locator("h3.event-title").all_text_contents()
    for cells in PAYLOADS.values():
        assert cells["title"] in titles
    assert page.locator("p.summary", has_text='<img src=x onerror="window.__pwned = 2">').count() == 1

    # Sources are links; contested events are marked.
    first = rows[0][header.index("event_id")]
    sources = [r["source_id"] for r in records(pkg, "event_sources") if r["event_id"] == first]
    urls = {r["source_id"]: r["url"] for r in records(pkg, "sources")}
    links = page.locator(f"#{first} details.sources a").evaluate_all("links => links.map(a => a.href)")
    assert sorted(links) == sorted(urls[s] for s in sources)
    contested = [r[header.index("event_id")] for r in rows if r[header.index("verification")] in ("party_claim", "disputed")]
    assert sorted(page.locator("article.v-party_claim, article.v-disputed").evaluate_all("a => a.map(e => e.id)")) == sorted(contested)
    assert page.locator("article.v-disputed .badge.v-disputed").count() == sum(r[header.index("verification")] == "disputed" for r in rows)
    linked = Counter(r["event_id"] for r in records(pkg, "statements") if r["event_id"])
    with_statements = next(e for e in linked)
    assert page.locator(f"#{with_statements} li.statement").count() == linked[with_statements]
    assert page.locator(f"#{with_statements} li.statement .speaker").first.text_content()

    # The type filter narrows the list to that type.
    kind = rows[0][header.index("event_type")]
    page.select_option("#type", kind)
    expected = sum(r[header.index("event_type")] == kind for r in rows)
    assert _visible(page) == expected and page.text_content("#count") == f"Showing {expected} of {len(rows)} events"
    page.select_option("#type", "")

    # The text search narrows the list to matching events, case- and accent-insensitively.
    page.fill("#search", "ZEBRA")
    assert _visible(page) == 1 and page.locator("article.event:not([hidden]) h3").text_content() == "Unique zebra crossing talks"
    page.fill("#search", "")

    # The actor and year filters.
    actor = records(pkg, "event_actors")[0]["actor_id"]
    page.select_option("#actor", actor)
    assert _visible(page) == len({r["event_id"] for r in records(pkg, "event_actors") if r["actor_id"] == actor})
    page.select_option("#actor", "")
    page.select_option("#year-from", years[-1])
    assert _visible(page) == sum(r[header.index("date_start")][:4] == years[-1] for r in rows)
    page.click("#reset")
    assert _visible(page) == len(rows)

    page.locator("article.event details").evaluate_all("ds => ds.forEach(d => d.open = true)")
    shot = _save(page, tmp_path, "index-desktop.png")
    assert shot.stat().st_size > 10_000
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling on a phone
    _save(page, tmp_path, "index-phone.png")
    assert problems == []
    page.close()


@pytest.fixture
def named_release(tmp_path: Path) -> tuple[Path, Path]:
    """A published 12-event package: its first place has each side's names, its first statement is about no event."""
    def edit(pkg: Path) -> None:
        set_cells(pkg, "places", 2, name="Stepanakert", name_hy="Ստեփանակերտ", name_az="Xankəndi", name_ru="Степанакерт")
        set_cells(pkg, "statements", 2, event_id="", text="A statement about no single event, with a unique word: quokka.")

    pkg, directory = published_synthetic(tmp_path, edit)
    return pkg, directory / "index.html"


def test_page_names_permalinks_highlights_and_loose_statements(browser, named_release: tuple[Path, Path], tmp_path: Path) -> None:
    pkg, index = named_release
    place = records(pkg, "places")[0]["place_id"]
    at_place = [r["event_id"] for r in records(pkg, "events") if r["place_id"] == place]
    assert at_place
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.goto(index.as_uri())

    # Each side's name is shown, and a search in Armenian or Azerbaijani script finds the events there.
    assert page.locator(f"#{at_place[0]} p.place").text_content() == "Stepanakert · Ստեփանակերտ · Xankəndi · Степанакерт"
    for query in ("Ստեփանակերտ", "Xankəndi", "степанакерт"):
        page.fill("#search", query)
        assert sorted(page.locator("article.event:not([hidden])").evaluate_all("a => a.map(e => e.id)")) == sorted(at_place), query
    # Matches are highlighted.
    page.fill("#search", "synthetic")
    assert page.locator("article.event:not([hidden]) h3.event-title mark").count() == _visible(page)
    page.fill("#search", "")
    assert page.locator("mark").count() == 0

    # A statement without an event has its own section; the header counts every statement.
    loose = page.locator("#statements-without-event li.statement")
    assert loose.count() == 1 and "quokka" in (loose.text_content() or "")
    assert f"{len(records(pkg, 'statements'))} statements" in (page.text_content("#meta") or "")

    # A permalink scrolls to its event and highlights it, on load and on a link.
    target = [r["event_id"] for r in records(pkg, "events") if r["event_id"] not in at_place][-1]
    page.goto(index.as_uri() + f"#{target}")
    page.reload()
    assert page.locator(f"#{target}").get_attribute("class").split().count("is-target") == 1
    top = page.evaluate(f"document.getElementById('{target}').getBoundingClientRect().top")
    assert page.evaluate("document.querySelector('.controls').getBoundingClientRect().bottom") <= top < 1000 / 3  # in view, below the controls
    assert _visible(page) == len(records(pkg, "events"))
    page.locator(f"#{at_place[0]} a.permalink").click()
    assert "is-target" in page.locator(f"#{at_place[0]}").get_attribute("class") and "is-target" not in page.locator(f"#{target}").get_attribute("class")

    page.close()
    assert problems == []

    # Without JavaScript the list is still there, as plain HTML.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(index.as_uri())
    assert plain.locator("ol.plain-list > li").count() == len(records(pkg, "events"))
    assert "Ստեփանակերտ" in (plain.locator(f"#plain-{at_place[0]}").text_content() or "")
    context.close()


SIZES = {"desktop": {"width": 1400, "height": 1000}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def mapped_release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A published 12-event package: its first place has each side's names, its second is Moscow (off the map)."""
    def edit(pkg: Path) -> None:
        set_cells(pkg, "places", 2, name="Stepanakert", name_hy="Ստեփանակերտ", name_az="Xankəndi", name_ru="Степանакерт")
        set_cells(pkg, "places", 3, name="Moscow", latitude="55.7558", longitude="37.6173", country_code="RUS")

    pkg, directory = published_synthetic(tmp_path_factory.mktemp("mapped"), edit)
    return pkg, directory / "index.html"


def _shown_ids(page) -> list[str]:
    return sorted(page.locator("article.event:not([hidden])").evaluate_all("a => a.map(e => e.id)"))


def _box(page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("size", sorted(SIZES))
def test_page_map_axis_permalink_and_first_screen(browser, mapped_release: tuple[Path, Path], tmp_path: Path, size: str) -> None:
    pkg, index = mapped_release
    events = records(pkg, "events")
    places = {r["place_id"]: r for r in records(pkg, "places")}
    moscow = next(k for k, r in places.items() if r["name"] == "Moscow")
    per_place = Counter(e["place_id"] for e in events if e["place_id"])
    per_month = Counter(e["date_start"][:7] for e in events)
    viewport = SIZES[size]
    page = browser.new_page(viewport=viewport)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith(("file:", "data:")) else None)
    page.goto(index.as_uri())

    if size == "phone":
        # The first screen shows events: the first card's title is on it, the filters fold away behind one button.
        title = _box(page, "article.event h3.event-title")
        assert title["y"] >= 0 and title["y"] + title["height"] <= viewport["height"]
        assert not page.locator("#type").is_visible() and not page.locator("#map").is_visible() and page.locator("#search").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.click("#filters-toggle")
        assert page.get_attribute("#filters-toggle", "aria-expanded") == "true" and page.locator("#type").is_visible()

    # The map draws: country outlines and a point per located place with events, sized by its events.
    outlines = page.locator("#map path.country")
    assert outlines.count() >= 2
    assert set(outlines.evaluate_all("ps => ps.map(p => p.dataset.country)")) >= {"ARM", "AZE"}
    for box in outlines.evaluate_all("ps => ps.map(p => p.getBoundingClientRect()).map(r => [r.width, r.height])"):
        assert box[0] > 0 and box[1] > 0
    points = page.locator("#map circle.map-point")
    drawn = dict(points.evaluate_all("cs => cs.map(c => [c.dataset.place, Number(c.dataset.events)])"))
    assert drawn == {k: n for k, n in per_place.items() if k != moscow}
    assert all(w > 0 for w in points.evaluate_all("cs => cs.map(c => c.getBoundingClientRect().width)"))
    radii = dict(points.evaluate_all("cs => cs.map(c => [c.dataset.place, c.r.baseVal.value])"))
    for a in drawn:
        for b in drawn:
            assert (radii[a] < radii[b]) == (drawn[a] < drawn[b]), (a, b)
    assert len(set(drawn.values())) > 1  # the fixture has places with different numbers of events
    assert page.locator(f'#map-panel .place-chip[data-place="{moscow}"]').count() == 1  # off the map, still choosable

    # Map to list: a point shows only its place's events; the list to the map: the shown places' points are highlighted.
    busiest = max(drawn, key=lambda k: (drawn[k], k))
    page.locator(f'#map circle[data-place="{busiest}"]').click()
    assert _shown_ids(page) == sorted(e["event_id"] for e in events if e["place_id"] == busiest)
    assert page.input_value("#place") == busiest
    assert f"place={busiest}" in page.evaluate("location.hash")
    assert page.locator("#map circle.is-selected").evaluate_all("cs => cs.map(c => c.dataset.place)") == [busiest]
    page.locator(f'#map circle[data-place="{busiest}"]').focus()
    page.keyboard.press("Enter")  # the keyboard too: Enter on the chosen point shows every place again
    assert len(_shown_ids(page)) == len(events)
    kind = events[0]["event_type"]
    page.select_option("#type", kind)
    lit = sorted(page.locator("#map circle.has-shown").evaluate_all("cs => cs.map(c => c.dataset.place)"))
    assert lit == sorted({e["place_id"] for e in events if e["event_type"] == kind and e["place_id"] and e["place_id"] != moscow})
    page.select_option("#type", "")
    page.locator("#map-panel details.elsewhere summary").click()
    page.locator(f'#map-panel .place-chip[data-place="{moscow}"]').click()
    assert _shown_ids(page) == sorted(e["event_id"] for e in events if e["place_id"] == moscow)
    page.click("#reset")

    # The axis: a bar per month with events; a click on a month shows its events, a drag over a period shows the period's.
    assert dict(page.locator("#axis .axis-bar").evaluate_all("bs => bs.map(b => [b.dataset.month, Number(b.dataset.events)])")) == per_month
    page.locator("#axis").scroll_into_view_if_needed()
    plot = _box(page, "#axis-plot")

    def at(month: str) -> float:
        bar = _box(page, f'#axis .axis-bar[data-month="{month}"]')
        return bar["x"] + bar["width"] / 2

    month = max(per_month, key=lambda m: (per_month[m], m))
    page.mouse.click(at(month), plot["y"] + plot["height"] / 2)
    assert len(_shown_ids(page)) == per_month[month] and page.locator("#period-clear").is_visible()
    months = sorted(per_month)
    low, high = months[1], months[-2]
    page.mouse.move(at(low), plot["y"] + 10)
    page.mouse.down()
    page.mouse.move((at(low) + at(high)) / 2, plot["y"] + 12, steps=4)
    page.mouse.move(at(high), plot["y"] + 14, steps=4)
    page.mouse.up()
    expected = sorted(e["event_id"] for e in events if low <= e["date_start"][:7] <= high)
    assert _shown_ids(page) == expected and f"Showing {len(expected)} of" in (page.text_content("#count") or "")
    assert page.input_value("#year-from") == low[:4] and page.input_value("#year-to") == high[:4]
    # The period is in the address, so the view can be shared: a reload shows the same events.
    assert f"period={low}..{high}" in page.evaluate("decodeURIComponent(location.hash)")
    page.reload()
    assert _shown_ids(page) == expected
    if size == "phone":  # the filters stay folded; their button says how many are on
        assert page.text_content("#filters-toggle") == "Filters & map (1)"
        page.click("#filters-toggle")
    assert page.locator("#axis-brush").is_visible()
    page.locator("#axis").scroll_into_view_if_needed()
    plot = _box(page, "#axis-plot")
    # The keyboard: the chosen month, then Shift+Page Down extends the period by a year; Escape clears it.
    page.mouse.click(at(months[0]), plot["y"] + plot["height"] / 2)
    page.focus("#axis")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+PageDown")
    year_on = f"{int(months[0][:4]) + 1}{months[0][4:]}"
    assert _shown_ids(page) == sorted(e["event_id"] for e in events if months[0] <= e["date_start"][:7] <= year_on)
    page.keyboard.press("Escape")
    assert len(_shown_ids(page)) == len(events) and not page.locator("#period-clear").is_visible()

    # A search in Armenian script finds the events at the place named so.
    at_place = sorted(e["event_id"] for e in events if e["place_id"] == records(pkg, "places")[0]["place_id"])
    page.fill("#search", "Ստեփանակերտ")
    assert at_place and _shown_ids(page) == at_place
    page.fill("#search", "")

    # A permalink scrolls to its event and highlights it.
    target = events[-1]["event_id"]
    page.goto(index.as_uri() + f"#{target}")
    page.reload()
    assert "is-target" in (page.get_attribute(f"#{target}", "class") or "").split()
    top = page.evaluate(f"document.getElementById('{target}').getBoundingClientRect().top")
    assert 0 <= top < viewport["height"] / 2
    _save(page, tmp_path, f"index-{size}-permalink.png")
    page.close()
    assert problems == []


def test_outlines_hold_the_bundled_places_of_their_country(browser, tmp_path: Path) -> None:
    """The embedded Natural Earth outlines agree with the dataset: each place in Armenia or Azerbaijan lies inside its country."""
    from karabakh_timeline.release.page_map import outlines, render_map

    asset = outlines()
    assert "public domain" in asset["source"]["licence"] and asset["source"]["name"].startswith("Natural Earth")
    bundled = {r["place_id"]: r for r in records(Path(__file__).resolve().parents[1], "places")}
    places = {k: {**r, "latitude": float(r["latitude"]), "longitude": float(r["longitude"])}
              for k, r in bundled.items() if r["latitude"] and r["longitude"]}
    page_file = tmp_path / "map.html"
    page_file.write_text("<!DOCTYPE html><meta charset=utf-8><body>" + render_map(places, Counter(dict.fromkeys(places, 1))), encoding="utf-8")
    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.goto(page_file.as_uri())
    km = 1 / 111.2  # degrees of latitude per kilometre
    scale = page.evaluate("document.getElementById('map').viewBox.baseVal.height") / (asset["frame"][3] - asset["frame"][1])
    # For each point: the countries whose outline holds it, and those within 3 km of it (eight points on a circle).
    found = page.evaluate("""([ring]) => {
        const svg = document.getElementById('map');
        const paths = [...document.querySelectorAll('path.country')];
        const holding = (x, y) => { const p = svg.createSVGPoint(); p.x = x; p.y = y; return paths.filter(path => path.isPointInFill(p)).map(path => path.dataset.country); };
        const out = {};
        for (const c of document.querySelectorAll('circle.map-point')) {
            const x = c.cx.baseVal.value, y = c.cy.baseVal.value;
            const near = new Set();
            for (let i = 0; i < 8; i++) holding(x + ring * Math.cos(i * Math.PI / 4), y + ring * Math.sin(i * Math.PI / 4)).forEach(k => near.add(k));
            out[c.dataset.place] = [holding(x, y), [...near]];
        }
        return out;
    }""", [3 * km * scale])
    page.close()
    ours = {k: r["country_code"] for k, r in places.items() if r["country_code"] in ("ARM", "AZE")}
    assert ours and set(ours) <= set(found)  # every place of the two countries is within the frame
    # Registration: each place is inside Armenia or Azerbaijan, or within 3 km of one (a village on the Aras).
    astray = {k: (bundled[k]["name"], found[k]) for k in ours if not {"ARM", "AZE"} & {*found[k][0], *found[k][1]}}
    assert not astray, astray
    # And nearly all inside their own country: 1:50m leaves out tiny exclaves and moves borders by up to a few km.
    wrong = {k: (bundled[k]["name"], ours[k], found[k][0]) for k in ours if ours[k] not in found[k][0]}
    assert len(wrong) <= len(ours) // 10, wrong


def test_screenshot_script_writes_a_desktop_and_a_phone_png(browser, mapped_release: tuple[Path, Path], tmp_path: Path) -> None:
    """scripts/screenshots.py, as the README runs it: one PNG per size, of that size."""
    import struct

    from conftest import _load_script

    shots = _load_script("screenshots")
    written = shots.shoot(mapped_release[1], tmp_path / "docs", browser)
    assert [p.name for p in written] == list(shots.SHOTS)
    for path in written:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
        assert dict(zip(("width", "height"), struct.unpack(">II", data[16:24]), strict=True)) == shots.SHOTS[path.name]
