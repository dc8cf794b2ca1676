"""The bench's verdicts and what it writes (bench/results.py): each key page held to the floor of
the same run, the targets of each size, both sizes' results kept side by side, and the README's
block rewritten alone. Pure functions of made-up measurements: nothing here is timed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location("bench_results", Path(__file__).parent.parent / "bench" / "results.py")
results = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = results  # bench/ is scripts, not a package: loaded by its path
_SPEC.loader.exec_module(results)

STANDARD, LARGE = results.SCALES["standard"], results.SCALES["large"]


def page(name: str, median: float, p95: float, *, key: bool = True, ok: bool = True) -> dict:
    return {
        "page": name,
        "requests": 200,
        "statuses": {"200": 200} if ok else {"200": 150, "500": 50},
        "ok": ok,
        "median_ms": median,
        "p95_ms": p95,
        "requests_per_s": 40.0,
        "sql_per_request": 10.0,
        "sql_min": 10,
        "sql_max": 10,
        "key": key,
    }


def jobs(first_sweep: float = 5.0, second_sweep: float = 2.0) -> dict:
    return {
        "sweep": {
            "date": "2026-12-07",
            "pupils": 60_000,
            "first": {"seconds": first_sweep, "tasks_created": 3, "notifications_created": 3},
            "second": {"seconds": second_sweep, "tasks_created": 0, "notifications_created": 0},
        },
        "imported": {"pupils": 2000, "total_seconds": 8.0, "again": {"counts": {"unchanged": 2000}}},
        "exported": {"rows": 5000, "seconds": 2.0},
    }


def judge(scale, pages: list[dict], built: dict | None = None, **job_times) -> list[str]:
    j = jobs(**job_times)
    return results.verdicts(
        scale, results.with_ratios(pages), j["sweep"], j["imported"], j["exported"], built or {"build_seconds": 100.0}
    )


def test_a_key_page_is_held_to_the_floor_measured_in_the_same_run():
    floor = page("floor", 20.0, 30.0, key=False)
    # 80 ms is 4x a floor of 20 ms and meets the target; 150 ms is 5x a p95 of 30 ms and meets it too.
    assert judge(STANDARD, [floor, page("home", 80.0, 150.0)]) == []
    # The same milliseconds against a faster floor miss both targets, each saying its ms and ratio.
    missed = judge(STANDARD, [page("floor", 10.0, 20.0, key=False), page("home", 80.0, 150.0)])
    assert missed == [
        "home: median 80.0 ms, 8.0x the floor's 10.0 ms, target at most 4x",
        "home: p95 150.0 ms, 7.5x the floor's 20.0 ms, target at most 5x",
    ]


def test_the_median_and_the_95th_percentile_are_judged_apart():
    floor = page("floor", 20.0, 30.0, key=False)
    assert judge(STANDARD, [floor, page("list", 81.0, 100.0)]) == [
        "list: median 81.0 ms, 4.05x the floor's 20.0 ms, target at most 4x"
    ]
    assert judge(STANDARD, [floor, page("list", 60.0, 151.0)]) == [
        "list: p95 151.0 ms, 5.03x the floor's 30.0 ms, target at most 5x"
    ]


def test_a_page_that_did_not_answer_every_time_with_its_count_is_not_measured():
    floor = page("floor", 20.0, 30.0, key=False)
    missed = judge(STANDARD, [floor, page("audit trail", 30.0, 40.0, ok=False)])
    assert missed == ["audit trail: not measured (150 × 200, 50 × 500; each answer must be a 200 with its SQL count)"]


def test_only_key_pages_are_judged():
    assert judge(STANDARD, [page("floor", 20.0, 30.0, key=False), page("extra", 500.0, 900.0, key=False)]) == []


def test_each_size_has_its_sweep_targets():
    pages = [page("floor", 20.0, 30.0, key=False)]
    assert judge(STANDARD, pages, first_sweep=45.0, second_sweep=12.0) == [
        "sweep: 45.0 s, target under 30 s",
        "second sweep: 12.0 s, target under 10 s",
    ]
    assert judge(LARGE, pages, first_sweep=45.0, second_sweep=12.0) == []
    assert judge(LARGE, pages, first_sweep=61.0, second_sweep=15.0) == [
        "sweep: 61.0 s, target under 60 s",
        "second sweep: 15.0 s, target under 15 s",
    ]


def test_the_large_size_holds_the_demo_build_to_15_minutes():
    pages = [page("floor", 20.0, 30.0, key=False)]
    assert judge(LARGE, pages, {"build_seconds": 899.0}) == []
    assert judge(LARGE, pages, {"build_seconds": 1000.0}) == ["demo build: 1000.0 s, target under 900 s"]
    assert judge(STANDARD, pages, {"build_seconds": 1000.0}) == []


def test_a_run_at_one_size_keeps_the_other_sizes_last_results():
    standard, large, again = {"pages": [], "n": 1}, {"pages": [], "n": 2}, {"pages": [], "n": 3}
    every = results.merged({}, "large", large)
    assert every == {"large": large}
    every = results.merged(every, "standard", standard)
    assert list(every) == ["standard", "large"] and every["large"] is large
    every = results.merged(every, "standard", again)
    assert every == {"standard": again, "large": large}


def test_results_from_before_the_sizes_are_the_standard_sizes():
    legacy = {"measured_at": "2026-11-28 01:08 UTC", "pages": [page("floor", 20.0, 30.0, key=False)]}
    new = {"pages": [], "n": 2}
    assert results.merged(legacy, "large", new) == {"standard": legacy, "large": new}
    assert results.merged(legacy, "standard", new) == {"standard": new}


def run_results(scale_name: str, pages: list[dict], missed: list[str], **run) -> dict:
    j = jobs()
    return {
        "scale": scale_name,
        "measured_at": "2026-12-06 15:00 UTC",
        "machine": {"nproc": 2, "cpu": "AMD EPYC", "python": "3.11.7", "postgresql": "15"},
        "run": {
            "schools": 4,
            "pupils": 400,
            "workers": 4,
            "concurrency": 8,
            "requests": 40,
            "warmup": 24,
            "demo_date": "2026-12-06",
            "demo_build_seconds": 42.0,
            "demo_built_at": "2026-12-06 14:00 UTC",
            "demo_built_this_run": False,
            **run,
        },
        "pages": results.with_ratios(pages),
        "sweep": j["sweep"],
        "missed": missed,
    }


def test_the_table_gives_the_milliseconds_the_ratios_and_the_verdict_the_run_recorded():
    pages = [page("floor", 20.0, 30.0, key=False), page("home", 100.0, 120.0), page("list", 40.0, 50.0)]
    missed = judge(STANDARD, pages)
    text = results.markdown(run_results("standard", pages, missed), STANDARD)
    assert "| floor | 20.0 | 30.0 | 1.0 | 1.0 | 40.0 | 10.0 | floor |" in text
    assert "| home | 100.0 | 120.0 | 5.0 | 4.0 | 40.0 | 10.0 | missed |" in text
    assert "| list | 40.0 | 50.0 | 2.0 | 1.67 | 40.0 | 10.0 | met |" in text
    assert "Targets missed: home: median 100.0 ms, 5.0x the floor's 20.0 ms, target at most 4x." in text


def test_the_table_says_whether_the_run_built_the_demo_or_reused_one():
    pages = [page("floor", 20.0, 30.0, key=False)]
    reused = results.markdown(run_results("large", pages, []), LARGE)
    assert "reused the demo authority built earlier (2026-12-06 14:00 UTC, in 42.0 s (target under 900 s)" in reused
    built = results.markdown(run_results("large", pages, [], demo_built_this_run=True), LARGE)
    assert "This run built the demo authority in 42.0 s (target under 900 s), dated 2026-12-06." in built


def test_both_sizes_are_shown_and_a_size_not_measured_says_so():
    every = {"standard": run_results("standard", [page("floor", 20.0, 30.0, key=False)], [])}
    text = results.all_markdown(every, level=3)
    assert "### 60,000 pupils in 100 schools (`make bench`)" in text
    assert "### 250,000 pupils in 400 schools (`make bench SCALE=large`)\n\nNot measured yet" in text


def test_the_readme_block_is_rewritten_and_nothing_else():
    readme = f"# Title\n\nBefore.\n\n{results.README_START}\nold table\n{results.README_END}\n\nAfter.\n"
    rewritten = results.readme_with(readme, "new table\n")
    assert rewritten == f"# Title\n\nBefore.\n\n{results.README_START}\n\nnew table\n\n{results.README_END}\n\nAfter.\n"
    assert results.readme_with(rewritten, "new table\n") == rewritten
    with pytest.raises(ValueError):
        results.readme_with("# Title\n\nNo block.\n", "new table\n")


def test_the_readme_holds_the_block():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert readme.count(results.README_START) == 1 and readme.count(results.README_END) == 1
