"""format, next-id and stats: through the CLI, on tiny packages."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import karabakh_timeline as kt
from conftest import ROOT, read_rows, run, set_cells, snapshot, write_rows


def test_synthetic_and_bundled_data_are_canonical(package: Path) -> None:
    for path in (package, ROOT):
        result = run("format", str(path), "--check")
        assert result.exit_code == 0, result.stdout + result.stderr
        assert result.stdout == ""


def test_format_fixes_order_endings_bom_and_nfc_and_is_idempotent(package: Path) -> None:
    rows = read_rows(package, "places")
    header, body = rows[0], rows[1:]
    name_at = header.index("name")
    body[0][name_at] = unicodedata.normalize("NFD", "Şuşa")  # decomposed: S + combining cedilla
    swapped = [header[1], header[0]] + header[2:]
    shuffled = [[r[1], r[0]] + r[2:] for r in reversed(body)]
    write_rows(package, "places", [swapped] + shuffled)
    path = package / "data" / "places.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    check = run("format", str(package), "--check")
    assert check.exit_code == 1
    assert check.stdout == "would reformat data/places.csv\n"
    result = run("format", str(package))
    assert result.exit_code == 0 and result.stdout == "reformatted data/places.csv\n"
    fixed = read_rows(package, "places")
    assert fixed[0] == header
    assert [r[0] for r in fixed[1:]] == sorted(r[0] for r in body)
    assert fixed[1][name_at] == unicodedata.normalize("NFC", "Şuşa")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    before = snapshot(package)
    assert run("format", str(package)).stdout == ""
    assert snapshot(package) == before
    assert kt.validate(package).issues == []


def test_format_keeps_every_value_row_and_extra_column(package: Path) -> None:
    rows = read_rows(package, "sources")
    write_rows(package, "sources", [rows[0] + ["comment"]] + [r + ["kept, \"quoted\"\nvalue"] for r in reversed(rows[1:])])
    assert run("format", str(package)).exit_code == 0
    after = read_rows(package, "sources")
    assert after[0][-1] == "comment" and len(after) == len(rows)
    assert sorted(map(tuple, after[1:])) == sorted(tuple(r + ["kept, \"quoted\"\nvalue"]) for r in rows[1:])


def test_format_refuses_unparsable_files_and_writes_nothing(package: Path) -> None:
    set_cells(package, "events", 3, title="fine")
    rows = read_rows(package, "places")
    write_rows(package, "places", list(reversed(rows)))  # would change
    path = package / "data" / "event_relations.csv"
    path.write_bytes(path.read_bytes() + b'"evt_000001,evt_000002\n')
    before = snapshot(package)
    result = run("format", str(package))
    assert result.exit_code == 1
    assert "parse-error: event_relations line 3" in result.stderr and "nothing written" in result.stderr
    assert snapshot(package) == before


def test_next_id_skips_retired_ids(package: Path) -> None:
    assert run("next-id", "events", str(package)).stdout == "evt_000004\n"
    write_rows(package, "retired_ids", read_rows(package, "retired_ids") + [["evt_000009", "events", "0.1.0", "", "Duplicate of another event"]])
    result = run("next-id", "events", str(package), "--count", "2")
    assert result.stdout == "evt_000010\nevt_000011\n"
    assert run("next-id", "statements", str(package)).stdout == "stm_000003\n"  # stm_000002 is retired


def test_next_id_usage_errors(package: Path) -> None:
    assert run("next-id", "event_actors", str(package)).exit_code == 2
    unknown = run("next-id", "battles", str(package))
    assert unknown.exit_code == 2 and "no table 'battles'" in unknown.stderr


def test_stats_figures(package: Path) -> None:
    result = run("stats", str(package), "--format", "json")
    assert result.exit_code == 0
    figures = json.loads(result.stdout)
    assert figures["rows"]["events"] == 4
    assert figures["events"]["share_with_1_plus_sources"] == 1.0
    assert figures["events"]["share_with_2_plus_sources"] == 0.75
    assert sum(figures["events"]["by_year"].values()) == 4
    assert sum(figures["statements"]["by_speech_act"].values()) == figures["statements"]["total"] == 2
    for fmt in ("text", "markdown"):
        assert run("stats", str(package), "--format", fmt).exit_code == 0


def test_bundled_data_meets_the_minimums() -> None:
    figures = json.loads(run("stats", str(ROOT), "--format", "json").stdout)
    assert figures["events"]["total"] >= 150
    assert figures["statements"]["total"] >= 80
    assert figures["events"]["share_with_1_plus_sources"] == 1.0
    assert figures["events"]["share_with_2_plus_sources"] >= 0.6
