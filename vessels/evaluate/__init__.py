"""Scoring results against a simulator's ground truth.

- ``events``: precision, recall and F1 per event type (the ``vessels evaluate`` rule)
- ``matches``: precision and recall of SAR detection-to-MMSI matching
"""
