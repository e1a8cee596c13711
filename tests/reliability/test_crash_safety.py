"""Crash safety and concurrency, with real processes: a few trials of each kind of the reliability suite.

``make reliability`` runs many more and prints the table (tests/reliability/suite.py).
"""

from __future__ import annotations

import random

from tests.reliability import suite


def test_kill_9_at_every_publish_point_leaves_a_whole_index(tmp_path):
    tally = suite.kill_at_points(tmp_path)
    assert tally.trials == len(suite.CRASH_POINTS) and tally.bad_states == 0, tally.notes


def test_kill_9_at_random_moments_leaves_a_whole_index(tmp_path):
    tally = suite.kill_at_random(tmp_path, 2, random.Random(7))
    assert tally.bad_states == 0, tally.notes


def test_a_reader_during_reindexes_never_fails(tmp_path):
    tally = suite.reader_during_reindexes(tmp_path, 3)
    assert tally.trials > 3 and tally.failed_questions == 0 and tally.bad_states == 0, tally.notes


def test_three_indexers_and_a_remove_at_once(tmp_path):
    tally = suite.concurrent_indexers(tmp_path)
    assert tally.bad_states == 0, tally.notes


def test_hostile_inputs_against_the_cli(tmp_path):
    outcomes = suite.hostile_outcomes(tmp_path)
    assert all(outcome.startswith("ok") for _, outcome in outcomes), outcomes
