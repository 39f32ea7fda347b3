"""Pure analysis: activity tables and streams in, NumPy arrays and small frozen results out.

No I/O, no clock (the day to judge is always a parameter), no settings, no printing, and
inputs are never modified. Modules, in the order data flows through them:

- ``table``: :class:`~backstride.analysis.table.ActivityTable`, activity summaries as columns
  (any number of athletes), and each session's load (sRPE, or a named duration fallback).
- ``series``: daily and Monday-Sunday weekly matrices (day x athlete) from a table.
- ``windows``: EWMA and trailing sums/maxima over those matrices, without day loops.
- ``load``: spikes, ACWR, CTL/ATL/TSB, monotony, strain; ``analyse_load`` does them all.
- ``segments`` and ``form``: steady running in one activity's streams, and form metrics
  (cadence, step length, VO, VR, GCT, balance, power) and the cadence-speed baseline.
- ``shoes``: distance per shoe, shoes in rotation.

Thresholds that turn these numbers into advice live in ``backstride.rules``.
"""
