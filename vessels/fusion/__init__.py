"""SAR fusion: AIS tracks matched to satellite radar detections; dark vessels and rendezvous.

- ``matching``: :func:`match_detections` (detections to AIS vessels) with :class:`MatchParams`
- ``broadcast``: was a vessel broadcasting at the image time, or silent in an AIS gap?
- ``formation``: swaps between vessels that sail in formation
- ``dark``: ``dark_detection`` / ``dark_rendezvous`` events from a match (:class:`DarkParams`)
- ``fuse``: the whole job (merge receivers, tracks, match, events) for ``vessels fuse`` and
  ``vessels investigate``
"""
