"""Encounters at sea (possible transshipment): two vessels close, slow, far from port.

The definition, its defaults and where this goes beyond GFW pipe-encounters are in
:mod:`detectors.encounter.detector`; the parameters in :mod:`detectors.encounter.params`.

- ``detector``: :class:`EncounterStream` (chunked) and :func:`detect` (one batch)
- ``params``: :class:`EncounterParams`
- ``pair_runs``: runs of close slots per vessel pair, merged across chunks
- ``state``: each vessel's resampled tail carried between chunks
- ``describe``: score, reasons and evidence of one encounter
- ``support``: gear rules, registry access, report counts per slot
- ``twins``: one vessel on two transponders (two MMSIs metres apart, also under way)
"""

from __future__ import annotations

from detectors.encounter.detector import DETECTOR, EncounterStream, detect, is_gear
from detectors.encounter.params import EncounterParams

__all__ = ["DETECTOR", "EncounterParams", "EncounterStream", "detect", "is_gear"]
