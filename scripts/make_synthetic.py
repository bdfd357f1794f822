"""Write a valid, deterministic synthetic copy of the data package with N events.

Usage: python scripts/make_synthetic.py N OUT_DIR [--seed S]

Every table gets rows in proportion (about 5.6 rows per event overall), every foreign key resolves,
every event has sources and actors, and dates, precisions and EDTF strings agree, so the package
validates clean; benchmarks then time pure checking work. Column lists come from schemas/*.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SYNTHETIC_VERSION = "0.1.0"
WORDS = np.array(["talks", "ceasefire", "border", "corridor", "statement", "meeting", "shelling", "exchange", "prisoners", "monitoring", "mission", "road", "checkpoint", "ministers", "summit", "agreement"])


DIGITS = 6  # an ID's digits in the real schemas' patterns (evt_[0-9]{6})


def _ids(prefix: str, n: int, start: int = 0, digits: int = DIGITS) -> np.ndarray:
    return np.char.add(f"{prefix}_", np.char.zfill(np.arange(start, start + n).astype(str), digits))


def _widen(schemas: Path, digits: int) -> None:
    """More than a million events need IDs of more digits: the package's copy of the schemas says so, else every ID is a pattern-mismatch."""
    for path in schemas.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"[0-9]{{{DIGITS}}}", f"[0-9]{{{digits}}}"), encoding="utf-8")


def _text(rng: np.random.Generator, n: int, words: int, stem: str) -> pd.Series:
    picks = WORDS[rng.integers(0, len(WORDS), size=(n, words))]
    body = pd.Series(picks[:, 0])
    for i in range(1, words):
        body = body + " " + picks[:, i]
    return stem + " " + body


def _dates(rng: np.random.Generator, n: int) -> pd.DataFrame:
    base = np.datetime64("1988-02-20")
    days = rng.integers(0, (np.datetime64("2023-12-31") - base).astype(int), n)
    start = pd.Series(base + days.astype("timedelta64[D]"))
    kind = rng.random(n)
    end = pd.Series(pd.NaT, index=start.index, dtype="datetime64[s]")
    precision = pd.Series("day", index=start.index)
    rng_mask = (kind >= 0.85) & (kind < 0.92)
    end[rng_mask] = start[rng_mask] + pd.to_timedelta(rng.integers(1, 10, rng_mask.sum()), unit="D")
    month = (kind >= 0.92) & (kind < 0.97)
    start[month] = start[month].dt.to_period("M").dt.start_time
    end[month] = start[month] + pd.offsets.MonthEnd(0)
    precision[month] = "month"
    year = kind >= 0.97
    start[year] = start[year].dt.to_period("Y").dt.start_time
    end[year] = start[year] + pd.offsets.YearEnd(0)
    precision[year] = "year"
    s, e = start.dt.strftime("%Y-%m-%d"), end.dt.strftime("%Y-%m-%d")
    edtf = s.where(end.isna(), s + "/" + e)
    edtf[month] = s[month].str.slice(0, 7)
    edtf[year] = s[year].str.slice(0, 4)
    open_end = (kind < 0.00005)  # a few ongoing events, parsed by the edtf library
    edtf[open_end] = s[open_end] + "/.."
    return pd.DataFrame({"date_start": s, "date_end": e.fillna(""), "date_precision": precision, "date_edtf": edtf})


def _write(out: Path, name: str, columns: dict[str, object], n: int) -> None:
    schema = json.loads((ROOT / "schemas" / f"{name}.json").read_text())
    fields = [f["name"] for f in schema["fields"]]
    frame = pd.DataFrame({f: columns.get(f, "") for f in fields}, index=range(n))
    frame = frame.sort_values(schema["primaryKey"], kind="stable")  # canonical: rows in primary-key order
    # Canonical form: UTF-8, LF, minimal quoting (the csv module's default), as the real data.
    frame.astype(str).replace({"nan": "", "<NA>": ""}).to_csv(out / "data" / f"{name}.csv", index=False, lineterminator="\n")


def make(n_events: int, out: Path, seed: int = 20200927) -> None:
    """Write the synthetic package to out (replacing its data/)."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["version"] = SYNTHETIC_VERSION  # a fixture's own version, independent of the real data's releases
    (out / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.copytree(ROOT / "schemas", out / "schemas", dirs_exist_ok=True)
    digits = max(DIGITS, len(str(n_events - 1)))  # events are the largest ID space (statements and sources: half as many)
    if digits > DIGITS:
        _widen(out / "schemas", digits)
    (out / "data").mkdir(exist_ok=True)
    n_places = max(10, n_events // 100)
    n_actors = max(10, n_events // 50)
    n_sources = max(10, n_events // 2)
    n_statements = max(1, n_events // 2)
    places = _ids("plc", n_places, digits=digits)
    actors = _ids("act", n_actors, digits=digits)
    sources = _ids("src", n_sources, digits=digits)
    events = _ids("evt", n_events, digits=digits)
    event_types = next(f for f in json.loads((ROOT / "schemas" / "events.json").read_text())["fields"] if f["name"] == "event_type")["constraints"]["enum"]
    d = _dates(rng, n_events)
    best = rng.integers(0, 50, n_events)
    known = rng.random(n_events) < 0.3
    events_columns = {
        "event_id": events, "title": _text(rng, n_events, 4, "Synthetic"), "summary": _text(rng, n_events, 25, "Synthetic summary:"),
        "event_type": np.array(event_types)[rng.integers(0, len(event_types), n_events)], **d,
        "place_id": places[rng.integers(0, n_places, n_events)],
        "verification": rng.integers(0, 4, n_events),  # replaced below, once the sources are known
        "fatalities_best": np.where(known, best.astype(str), ""), "fatalities_low": np.where(known, (best // 2).astype(str), ""),
        "fatalities_high": np.where(known, (best * 2).astype(str), ""),
    }
    _write(out, "places", {
        "place_id": places, "name": _text(rng, n_places, 1, "Place"), "place_type": "village",
        "latitude": np.round(rng.uniform(38.5, 41.5, n_places), 4), "longitude": np.round(rng.uniform(44.0, 50.0, n_places), 4),
        "country_code": np.array(["ARM", "AZE"])[rng.integers(0, 2, n_places)],
    }, n_places)
    parents = np.where(np.arange(n_actors) % 5 == 0, "", actors[np.arange(n_actors) // 5 * 5])
    _write(out, "actors", {
        "actor_id": actors, "name": _text(rng, n_actors, 2, "Actor"), "actor_type": np.where(np.arange(n_actors) % 5 == 0, "state", "person"),
        "country_code": "ARM", "parent_actor_id": parents, "wikidata_qid": np.char.add("Q", (np.arange(n_actors) + 100).astype(str)),
    }, n_actors)
    # Publishers take turns over the sides, so that two consecutive sources (an event's pair) always
    # corroborate each other independently under the trust model.
    n_publishers = max(4, n_sources // 50)
    publishers = _ids("pub", n_publishers, digits=digits)
    host = np.char.add(np.char.add("news", np.arange(n_publishers).astype(str)), ".example.org")
    sides = np.array(["none", "armenia", "azerbaijan", "nagorno_karabakh"])[np.arange(n_publishers) % 4]
    _write(out, "publishers", {
        "publisher_id": publishers, "name": np.char.add("Example News ", np.arange(n_publishers).astype(str)), "domains": host,
        "kind": "news_agency", "side": sides, "state_controlled": "false", "country_code": "ARM",
    }, n_publishers)
    source_publisher = np.arange(n_sources) % n_publishers
    _write(out, "sources", {
        "source_id": sources,
        "url": np.char.add(np.char.add(np.char.add("https://", host[source_publisher]), "/news/"), np.arange(n_sources).astype(str)),
        "title": _text(rng, n_sources, 5, "Report") + " " + pd.Series(np.arange(n_sources).astype(str)),
        "publisher_id": publishers[source_publisher], "source_type": "news", "language": "en",
        "published_date": "2024-01-15", "accessed_date": "2026-11-27",
    }, n_sources)
    n_roles = n_actors
    _write(out, "actor_roles", {
        "role_id": _ids("rol", n_roles, digits=digits), "actor_id": actors, "organization_id": actors[np.arange(n_actors) // 5 * 5],
        "title": "Minister", "date_start": "1988-01-01", "source_id": sources[rng.integers(0, n_sources, n_roles)],
    }, n_roles)
    # event_sources: 1 or 2 distinct sources per event (about 1.6 per event).
    two = rng.random(n_events) < 0.6
    first = rng.integers(0, n_sources - 1, n_events)
    # Two sources always corroborate (see the publishers above); one source never does.
    single = np.array(["single_source", "single_source", "party_claim", "disputed"])[events_columns["verification"]]
    verification = np.where(two, "confirmed", single)
    events_columns["verification"] = verification
    events_columns["notes"] = np.where(verification == "disputed", "Synthetic note: the parties dispute this account.", "")
    _write(out, "events", events_columns, n_events)
    es_event = np.concatenate([events, events[two]])
    es_source = np.concatenate([sources[first], sources[first[two] + 1]])
    _write(out, "event_sources", {"event_id": es_event, "source_id": es_source}, len(es_event))
    roles = np.array(["party", "participant", "host", "mediator"])
    ea_event = np.concatenate([events, events])
    ea_actor = np.concatenate([actors[rng.integers(0, n_actors // 2, n_events)], actors[n_actors // 2 + rng.integers(0, n_actors - n_actors // 2, n_events)]])
    _write(out, "event_actors", {"event_id": ea_event, "actor_id": ea_actor, "role": roles[rng.integers(0, 4, 2 * n_events)]}, 2 * n_events)
    n_rel = n_events // 3
    rel_from = rng.choice(n_events - 1, n_rel, replace=False) + 1
    _write(out, "event_relations", {"event_id": events[rel_from], "related_event_id": events[rel_from - 1], "relation": "follows_from"}, n_rel)
    sd = _dates(rng, n_statements)
    _write(out, "statements", {
        "statement_id": _ids("stm", n_statements, digits=digits), **sd, "speaker_id": actors[rng.integers(0, n_actors, n_statements)],
        "speech_act": np.array(["claim", "deny", "accuse", "welcome"])[rng.integers(0, 4, n_statements)],
        "text": _text(rng, n_statements, 12, "Synthetic statement:"), "text_kind": "paraphrase", "language": "en", "original_language": "en",
        "event_id": events[rng.integers(0, n_events, n_statements)], "source_id": sources[rng.integers(0, n_sources, n_statements)],
    }, n_statements)
    n_retired = max(1, n_events // 1000)
    _write(out, "retired_ids", {"id": _ids("stm", n_retired, n_statements, digits=digits), "table": "statements", "retired_in": "0.1.0",
                                "reason": "Synthetic duplicate merged"}, n_retired)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of events")
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument("--seed", type=int, default=20200927)
    args = parser.parse_args()
    make(args.n, args.out, args.seed)


if __name__ == "__main__":
    main()
