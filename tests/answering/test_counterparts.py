"""Offices and sides (`answering/counterparts.py`): a title is read by its own words, so a
person an admin adds in the articles' style has counterparts without a code change."""

from __future__ import annotations

import pytest

from alliance_bot.answering.counterparts import office, side
from alliance_bot.knowledge.models import Role


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Minister for Foreign Affairs of Japan", ("foreign", "japan")),
        ("US Secretary of State", ("foreign", "us")),
        ("Minister for Foreign Affairs of Australia", ("foreign", "australia")),
        ("Minister of Defence of India", ("defense", "india")),
        ("President of the United States", ("leader", "us")),
        ("Prime Minister of Japan", ("leader", "japan")),
        ("Secretary General on Japan's National Security Council", ("security", "japan")),
        # Not the office: a deputy, a former holder, a ministry official, another state's.
        ("State Minister for Foreign Affairs of Japan", None),
        ("Former US Secretary of State", None),
        ("Director General for Asian Affairs, Ministry of Foreign Affairs of Japan", None),
        ("Secretary of State of Florida", None),
        ("Vice President of the United States", None),
        ("President and CEO of Google", None),
        ("President of Russia", None),  # no country the articles give offices for
    ],
)
def test_office_of_a_title(title: str, expected: tuple[str, str] | None) -> None:
    assert office(Role(title=title)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("japan", "japan"),
        ("in tokyo", "japan"),
        ("on the us side", "us"),
        ("aussie", "australia"),
        ("", ""),
        ("his direct", ""),
        ("french", None),
        ("on the german side", None),
    ],
)
def test_side_asked(text: str, expected: str | None) -> None:
    assert side(text) == expected
