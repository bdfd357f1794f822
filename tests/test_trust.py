"""The trust model: each rule on a four-event package with one defect, and the bundled data recomputed by hand."""
from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import karabakh_timeline as kt
from conftest import ROOT, read_rows, run, set_cells, write_rows

TODAY = dt.date(2026, 11, 27)

# The fixture (scripts/make_synthetic.py, 4 events): publishers pub_000000..3 sit on the sides none,
# armenia, azerbaijan, nagorno_karabakh; evt_000000 (events line 2) and evt_000003 (line 5) rest on
# src_000000 (pub_000000) + src_000001 (pub_000001); evt_000001 (line 3) on src_000008 alone;
# evt_000002 (line 4) on src_000005 (armenia) + src_000006 (azerbaijan).


def _cells(table: str, line: int, **values: str) -> Callable[[Path], None]:
    return lambda pkg: set_cells(pkg, table, line, **values)


def _aggregator_only(pkg: Path) -> None:
    """src_000008, evt_000001's only source, becomes a copy on a content farm of unknown original."""
    pubs = read_rows(pkg, "publishers")
    header = pubs[0]
    row = dict.fromkeys(header, "")
    row.update(publisher_id="pub_000009", name="Content Farm", domains="farm.example.net", kind="aggregator", side="none", state_controlled="false")
    write_rows(pkg, "publishers", pubs + [[row[h] for h in header]])
    set_cells(pkg, "sources", 10, url="https://farm.example.net/x", publisher_id="pub_000009")


def _bad_host(pkg: Path) -> None:
    set_cells(pkg, "publishers", 2, bad_hosts="preview.news0.example.org")
    set_cells(pkg, "sources", 2, url="https://preview.news0.example.org/news/0")


# (id, mutation, code, severity, table, line, field, value)
CASES = [
    ("confirmed-one-source", _cells("events", 3, verification="confirmed"), "verification-unsupported", "error", "events", 3, "verification", "confirmed"),
    ("understated", _cells("events", 4, verification="single_source"), "verification-understated", "warning", "events", 4, "verification", "single_source"),
    ("party-claim-understated", _cells("events", 2, verification="party_claim"), "verification-understated", "warning", "events", 2, "verification", "party_claim"),
    ("disputed-unrecorded", _cells("events", 4, verification="disputed"), "dispute-unrecorded", "warning", "events", 4, "verification", "disputed"),
    ("disputed-noted", _cells("events", 4, verification="disputed", notes="Azerbaijan denies the account."), None, None, None, None, None, None),
    ("weak-only", _aggregator_only, "source-weak-only", "error", "events", 3, "event_id", "evt_000001"),
    ("verbatim-rendering", _cells("statements", 2, text_kind="verbatim", original_language="hy"), "verbatim-language", "error", "statements", 2, "text_kind", "verbatim"),
    ("verbatim-unknown-language", _cells("statements", 2, text_kind="verbatim", original_language=""), "verbatim-language", "error", "statements", 2, "original_language", None),
    ("url-off-domain", _cells("sources", 2, url="https://elsewhere.example.net/x"), "url-publisher-mismatch", "warning", "sources", 2, "url", "https://elsewhere.example.net/x"),
    ("url-trailing-dot", _cells("sources", 2, url="https://news0.example.org./news/0"), "url-host", "error", "sources", 2, "url", "https://news0.example.org./news/0"),
    ("url-ip", _cells("sources", 3, archive_url="http://192.0.2.7/x"), "url-host", "error", "sources", 3, "archive_url", "http://192.0.2.7/x"),
    ("url-listed-bad-host", _bad_host, "url-host", "error", "sources", 2, "url", "https://preview.news0.example.org/news/0"),
    ("source-before-event", _cells("sources", 10, published_date="1980-01-01"), "source-before-event", "warning", "event_sources", 4, "source_id", "src_000008"),
    ("statement-source-early", _cells("sources", 9, published_date="1980-01-01"), "source-before-event", "warning", "statements", 3, "source_id", "src_000007"),
    ("duplicate-url", _cells("sources", 6, url="https://NEWS0.example.org/news/0/"), "duplicate-source", "error", "sources", 6, "url", "https://NEWS0.example.org/news/0/"),
    ("duplicate-story", _cells("sources", 6, title="Report mission prisoners agreement prisoners mission 0"), "duplicate-source", "error", "sources", 6, "title", "Report mission prisoners agreement prisoners mission 0"),
    ("publisher-domain-twice", _cells("publishers", 3, domains="news1.example.org;news0.example.org"), "publisher-duplicate", "error", "publishers", 3, "domains", "news0.example.org"),
    ("publisher-alias-twice", _cells("publishers", 4, aliases="Example News 0"), "publisher-duplicate", "error", "publishers", 4, "name", "example news 0"),
]


@pytest.mark.parametrize(("mutate", "code", "severity", "table", "line", "field", "value"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_trust_defect_one_issue(package: Path, mutate: Callable[[Path], None], code: str | None, severity: str | None, table: str | None,
                                    line: int | None, field: str | None, value: str | None) -> None:
    assert kt.validate(package, today=TODAY).issues == []
    mutate(package)
    report = kt.validate(package, today=TODAY)
    expected = [(code, severity, table, line, field, value)] if code else []  # code None: the mutation is fine
    assert [(i.code, i.severity, i.table, i.line, i.field, i.value) for i in report.issues] == expected


def test_a_reprint_counts_under_its_original(package: Path) -> None:
    """src_000001 relays pub_000000's story: both events that rest on src_000000 + src_000001 lose their corroboration."""
    set_cells(package, "sources", 3, original_publisher_id="pub_000000")
    report = kt.validate(package, today=TODAY)
    assert [(i.code, i.table, i.line) for i in report.issues] == [("verification-unsupported", "events", 2), ("verification-unsupported", "events", 5)]
    assert "1 counted original publisher(s) (Example News 0)" in report.issues[0].message


def test_reference_works_do_not_corroborate(package: Path) -> None:
    set_cells(package, "publishers", 2, kind="reference")
    report = kt.validate(package, today=TODAY)
    assert [(i.code, i.line) for i in report.issues] == [("verification-unsupported", 2), ("verification-unsupported", 5)]


def test_both_sides_agreeing_corroborate(package: Path) -> None:
    """evt_000002 rests on an Armenian-side and an Azerbaijani-side publisher only: confirmed holds."""
    set_cells(package, "publishers", 5, side="armenia")  # pub_000003 (nagorno_karabakh): Armenian side either way
    assert kt.validate(package, today=TODAY).issues == []
    set_cells(package, "publishers", 4, side="armenia")  # pub_000002 leaves the Azerbaijani side
    report = kt.validate(package, today=TODAY)
    assert [(i.code, i.line) for i in report.issues] == [("verification-unsupported", 4)]


def test_stats_and_flat_csv_show_corroboration(package: Path, tmp_path: Path) -> None:
    result = run("stats", str(package), "--format", "json")
    assert result.exit_code == 0
    import json
    by = json.loads(result.stdout)["events"]["corroboration_by_verification"]
    assert by["confirmed"] == {"third_party": 2, "both_sides": 1, "armenian_side": 0, "azerbaijani_side": 0, "none": 0}
    assert by["single_source"]["third_party"] == 1
    from karabakh_timeline.release.event_view import EventView
    from karabakh_timeline.release.exports import flat_events, typed_tables
    from karabakh_timeline.schema.descriptor import open_package
    pkg = open_package(package)
    header, rows = flat_events(EventView.build(typed_tables(pkg), {n: r.schema for n, r in pkg.resources.items()}))
    row = dict(zip(header, rows[0], strict=True))
    assert row["corroboration"] == "independently corroborated by Example News 0 and Example News 1"
    assert row["corroborating_publishers"] == "Example News 0; Example News 1"


def _csv(name: str) -> list[dict[str, str]]:
    with (ROOT / "data" / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_confirmed_bundled_event_is_independently_corroborated() -> None:
    """Recomputed from the CSVs with the csv module alone, independently of the package's code."""
    pubs = {p["publisher_id"]: p for p in _csv("publishers")}
    sources = {s["source_id"]: s for s in _csv("sources")}
    links: dict[str, list[str]] = {}
    for link in _csv("event_sources"):
        links.setdefault(link["event_id"], []).append(link["source_id"])
    failures = []
    for event in _csv("events"):
        if event["verification"] != "confirmed":
            continue
        counted = {}
        for sid in links.get(event["event_id"], []):
            s = sources[sid]
            original = s["original_publisher_id"] or s["publisher_id"]
            if pubs[original]["kind"] in ("reference", "aggregator", "blog"):
                continue
            if s["published_date"] and s["published_date"] < event["date_start"]:
                continue
            counted[original] = pubs[original]["side"]
        sides = set(counted.values())
        ok = len(counted) >= 2 and ("none" in sides or ({"armenia", "nagorno_karabakh"} & sides and "azerbaijan" in sides))
        if not ok:
            failures.append(event["event_id"])
    assert failures == []


def test_no_publisher_name_or_domain_twice() -> None:
    pubs = _csv("publishers")
    names = [" ".join(n.casefold().split()) for p in pubs for n in [p["name"], *p["aliases"].split(";")] if n.strip()]
    domains = [d.strip().lower() for p in pubs for d in p["domains"].split(";") if d.strip()]
    assert len(names) == len(set(names))
    assert len(domains) == len(set(domains))


# --- The vectorised corroboration() against a plain-Python reference (hypothesis) --------------------

import numpy as np  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from karabakh_timeline.policy.trust import corroboration  # noqa: E402

KINDS = ["news_agency", "newspaper", "government", "reference", "aggregator", "blog", "ngo"]
SIDES = ["armenia", "azerbaijan", "nagorno_karabakh", "none"]


def _reference(events: list[dict], links: list[dict], sources: list[dict], publishers: list[dict]) -> dict[str, tuple]:
    """The trust model's definition, one event at a time (README, "Trust model")."""
    pubs = {p["publisher_id"]: p for p in publishers}
    srcs = {s["source_id"]: s for s in sources}
    out = {}
    for e in events:
        counted: dict[str, dict] = {}
        linked = [srcs[link["source_id"]] for link in links if link["event_id"] == e["event_id"] and link["source_id"] in srcs]
        weak = [pubs[s["original_publisher_id"] or s["publisher_id"]]["kind"] in ("aggregator", "blog") for s in linked]
        for s in linked:
            p = pubs[s["original_publisher_id"] or s["publisher_id"]]
            if p["kind"] in ("reference", "aggregator", "blog"):
                continue
            if s["published_date"] is not None and s["published_date"] < e["date_start"]:
                continue
            counted[p["publisher_id"]] = p
        sides = [p["side"] for p in counted.values()]
        third, arm, aze = sides.count("none"), sides.count("armenia") + sides.count("nagorno_karabakh"), sides.count("azerbaijan")
        names = tuple(p["name"] for p in sorted(counted.values(), key=lambda p: (p["side"] != "none", p["name"])))
        independent = len(counted) >= 2 and (third >= 1 or (arm >= 1 and aze >= 1))
        out[e["event_id"]] = (len(counted), third, arm, aze, independent, bool(weak) and all(weak), names)
    return out


@st.composite
def _packages(draw: st.DrawFn) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    n_pub = draw(st.integers(1, 6))
    publishers = [{"publisher_id": f"pub_{i:06d}", "name": f"P{i}", "kind": draw(st.sampled_from(KINDS)), "side": draw(st.sampled_from(SIDES))}
                  for i in range(n_pub)]
    day = st.integers(0, 20).map(lambda d: pd.Timestamp("2020-01-01") + pd.Timedelta(days=d))
    sources = []
    for i in range(draw(st.integers(0, 8))):
        publisher = draw(st.sampled_from(publishers))["publisher_id"]
        original = draw(st.one_of(st.none(), st.sampled_from(publishers).map(lambda p: p["publisher_id"])))
        sources.append({"source_id": f"src_{i:06d}", "publisher_id": publisher, "original_publisher_id": original,
                        "published_date": draw(st.one_of(st.none(), day))})
    events = [{"event_id": f"evt_{i:06d}", "date_start": draw(day)} for i in range(draw(st.integers(1, 5)))]
    pairs = draw(st.lists(st.tuples(st.sampled_from(events), st.sampled_from(sources)), max_size=12)) if sources else []
    links = [{"event_id": e["event_id"], "source_id": s["source_id"]} for e, s in {(e["event_id"], s["source_id"]): (e, s) for e, s in pairs}.values()]
    return events, links, sources, publishers


@settings(max_examples=150, deadline=None)
@given(_packages())
def test_corroboration_agrees_with_the_definition(pkg: tuple[list[dict], list[dict], list[dict], list[dict]]) -> None:
    events, links, sources, publishers = pkg
    frames = {
        "events": pd.DataFrame(events, columns=["event_id", "date_start"]),
        "event_sources": pd.DataFrame(links, columns=["event_id", "source_id"]),
        "sources": pd.DataFrame(sources, columns=["source_id", "publisher_id", "original_publisher_id", "published_date"]).astype(
            {"source_id": "string", "publisher_id": "string", "original_publisher_id": "string", "published_date": "datetime64[s]"}),
        "publishers": pd.DataFrame(publishers, columns=["publisher_id", "name", "kind", "side"]),
    }
    frames["events"]["date_start"] = frames["events"]["date_start"].astype("datetime64[s]")
    fast = corroboration(frames)
    got = {e: (int(r["originals"]), int(r["third_party"]), int(r["armenian_side"]), int(r["azerbaijani_side"]),
               bool(r["independent"]), bool(r["weak_only"]), tuple(r["names"])) for e, r in fast.iterrows()}
    assert got == _reference(events, links, sources, publishers)


from karabakh_timeline.policy.trust import corroborate, corroboration_merged  # noqa: E402

_FIELDS = {"events": ["event_id", "date_start"], "event_sources": ["event_id", "source_id"],
           "sources": ["source_id", "publisher_id", "original_publisher_id", "published_date"], "publishers": ["publisher_id", "name", "kind", "side"]}


def _frames(events: list[dict], links: list[dict], sources: list[dict], publishers: list[dict]) -> dict[str, pd.DataFrame]:
    """The tables as load() types them: text as strings, dates as datetime64[s]."""
    rows = {"events": events, "event_sources": links, "sources": sources, "publishers": publishers}
    frames = {name: pd.DataFrame(rows[name], columns=cols).astype("string") for name, cols in _FIELDS.items()}
    for name, col in (("events", "date_start"), ("sources", "published_date")):
        frames[name][col] = pd.to_datetime(pd.DataFrame(rows[name], columns=_FIELDS[name])[col]).astype("datetime64[s]")
    return frames


def _arrow_tables(frames: dict[str, pd.DataFrame]) -> dict[str, pa.Table]:
    """The tables as validation holds them (read.typed): Arrow text, dates as date32, in two chunks."""
    tables = {}
    for name, frame in frames.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.cast(pa.schema([pa.field(f.name, pa.date32() if pa.types.is_timestamp(f.type) else pa.string()) for f in table.schema]))
        half = table.num_rows // 2
        tables[name] = pa.concat_tables([table.slice(0, half), table.slice(half)])
    return tables


@st.composite
def _messy(draw: st.DrawFn) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """A package with what an invalid contribution holds: repeated and missing IDs, dangling links, publishers without kind, side or name."""
    events, links, sources, publishers = draw(_packages())
    maybe = st.one_of(st.none(), st.just(""))

    def spoil(rows: list[dict], key: str) -> list[dict]:
        rows = [dict(r) for r in rows]
        for r in rows:
            choice = draw(st.sampled_from(["keep", "keep", "keep", "repeat", "missing"]))
            if choice == "repeat":
                r[key] = draw(st.sampled_from(rows))[key]
            elif choice == "missing":
                r[key] = None
        return rows

    events = spoil(events, "event_id") + draw(st.lists(st.sampled_from(events), max_size=2))  # whole rows again, another date maybe
    sources = spoil(sources, "source_id")
    publishers = spoil(publishers, "publisher_id")
    for p in publishers:
        for col in ("name", "kind", "side"):
            if draw(st.integers(0, 5)) == 0:
                p[col] = draw(maybe) if col == "name" else None
    for s in sources:
        if draw(st.integers(0, 6)) == 0:
            s["publisher_id"] = None
    links = [dict(link, **{k: None}) if draw(st.integers(0, 8)) == 0 else link for link in links for k in [draw(st.sampled_from(["event_id", "source_id"]))]]
    links += [{"event_id": "evt_999999", "source_id": "src_000000"}, *draw(st.lists(st.sampled_from(links), max_size=2))] if links else []
    return events, links, sources, publishers


def _agree(pkg: tuple[list[dict], list[dict], list[dict], list[dict]], picks: int) -> None:
    """corroboration() on the frames, and corroborate() on the Arrow tables naming only some events, against the merges."""
    frames = _frames(*pkg)
    reference = corroboration_merged(frames)
    exact = len(reference) > 0  # an empty index's dtype is whatever pandas infers for it
    pd.testing.assert_frame_equal(corroboration(frames), reference, check_index_type=exact)
    wanted = np.array([bool(picks >> (i % 5) & 1) for i in range(len(reference))], dtype=bool)
    some = corroborate(_arrow_tables(frames), named=lambda corr: wanted).frame()
    expected = reference.assign(names=[n if w else () for n, w in zip(reference["names"], wanted, strict=True)])
    pd.testing.assert_frame_equal(some, expected, check_index_type=exact)


@settings(max_examples=100, deadline=None)
@given(_packages(), st.integers(0, 2**5 - 1), st.booleans(), st.booleans())
def test_the_arrow_path_agrees_with_the_merges(pkg: tuple[list[dict], list[dict], list[dict], list[dict]], picks: int, strays: bool,
                                               unnamed: bool) -> None:
    """corroborate() on Arrow columns (and corroboration() on frames) gives the frame the pandas merges give, names and dtypes included."""
    events, links, sources, publishers = pkg
    if strays:  # links to unknown events and sources, a source of an unknown publisher, a publisher without kind, side or name
        links = [*links, {"event_id": "evt_999999", "source_id": "src_000000"}, {"event_id": events[0]["event_id"], "source_id": "src_999999"}]
        sources = [*sources, {"source_id": "src_999998", "publisher_id": "pub_999999", "original_publisher_id": None, "published_date": None}]
        links.append({"event_id": events[-1]["event_id"], "source_id": "src_999998"})
        publishers = [*publishers[:-1], {**publishers[-1], "kind": None if unnamed else publishers[-1]["kind"], "side": None, "name": None}]
    _agree((events, links, sources, publishers), picks)


@settings(max_examples=100, deadline=None)
@given(_messy(), st.integers(0, 2**5 - 1))
def test_the_arrow_path_agrees_with_the_merges_on_repeated_and_missing_keys(pkg: tuple[list[dict], list[dict], list[dict], list[dict]],
                                                                            picks: int) -> None:
    """Repeated keys pair as the merges pair them (every source row of a repeated ID counts); missing keys match nothing."""
    _agree(pkg, picks)
