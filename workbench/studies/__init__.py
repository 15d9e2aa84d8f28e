"""Simulation studies: does each estimator recover the simulator's truth?

- `method_checks`: notebook 04's study (retention: NPMLE on (L, R] vs naive Kaplan-Meier; support
  effects through `primary_effects`), and notebook 02's side-by-side retention comparison.
- `primary_effects`: the primary time-varying model and the naive ever/never Cox model over
  seeded simulated cohorts (bias, CI coverage).
- `landmark`: the landmark weighted comparison of the null support over simulated cohorts.
"""
