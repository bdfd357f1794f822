"""The EDTF fast path (check/rules/edtf_forms.py) gives the edtf library's bounds on every string it handles."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from karabakh_timeline.check.rules.dates import edtf_bounds, library_bounds
from karabakh_timeline.check.rules.edtf_forms import NOT_COMMON, common_bounds

_DIGITS = st.text("0123456789", min_size=1, max_size=5)
_YEAR = st.one_of(st.integers(0, 9999).map(lambda y: f"{y:04d}"), st.sampled_from(["1600", "1900", "2000", "2024", "2023"]), _DIGITS)
_PART = st.one_of(st.integers(0, 40).map(lambda n: f"{n:02d}"), _DIGITS, st.just("XX"))
_QUAL = st.sampled_from(["", "", "?", "~", "%", "X", " "])


@st.composite
def _date(draw: st.DrawFn) -> str:
    text = draw(_YEAR)
    for _ in range(draw(st.integers(0, 2))):
        text += draw(st.sampled_from(["-", "-", "/", ""])) + draw(_PART)
    return text + draw(_QUAL)


@st.composite
def _edtf(draw: st.DrawFn) -> str:
    start = draw(_date())
    end = draw(st.one_of(st.none(), _date(), st.sampled_from(["..", ""])))
    return start if end is None else f"{start}/{end}"


@settings(max_examples=400, deadline=None)
@given(_edtf())
@example("2020-02-29?/2021-02-28~")
@example("0000-02-29")
@example("1900-02-29")
@example("2000-02-29%/..")
@example("2020-05/2020-01")
def test_the_fast_path_agrees_with_the_edtf_library(text: str) -> None:
    common = common_bounds(text)
    if common != NOT_COMMON:
        assert common == library_bounds(text)
    assert edtf_bounds.__wrapped__(text) == library_bounds(text)  # type: ignore[attr-defined]


def test_the_fast_path_handles_the_forms_of_the_data() -> None:
    """Not vacuous: the forms CONTRIBUTING.md documents are handled without the library (unspecified digits are not)."""
    for text in ("2023-04-23", "2023-05-01/2023-05-04", "2020-11", "2021", "1994-05~", "2020-10-27?", "2022-12-12/.."):
        assert common_bounds(text) != NOT_COMMON, text
    assert common_bounds("2020-10-XX") == NOT_COMMON
    assert common_bounds("2020-02-30") == NOT_COMMON
