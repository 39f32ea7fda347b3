"""Rules: the evidence catalogue as data, and analysis results turned into Findings.

- ``finding``: :class:`~backstride.rules.finding.Finding`, the one shape of every advice.
- ``rule``, ``catalogue`` (+ ``catalogue_load``, ``catalogue_practices``,
  ``catalogue_pain``, ``catalogue_redflags``): the rules of
  ``evidence.md`` §9 as data: ids, thresholds, wording, citation, grade, practice.
- ``load_outcomes``, ``load``, ``habits``, ``shoes``, ``form``: each rule family's
  verdicts, vectorised over athletes where the data allow, then findings for one athlete.
- ``pain``: P1-P4 over the back-pain diary, the adjustment the plan will apply, and when a
  symptom screen is due; ``redflags``: the screen's questions and R1-R3 verdicts
  (``blocks_training``: red flags win over any training advice).
- ``evaluate``: every rule for one athlete (``evaluate``) or a cohort (``evaluate_cohort``).
- ``practices``: the seven practice lights and the ``status --json`` shape.

Pure like ``analysis``: the day to judge (``as_of``) is always passed in.
"""
