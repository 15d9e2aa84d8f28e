"""Generic numerical engines, without domain words: the NPMLE for interval-censored data with
case weights and left truncation (`npmle`, on the support built by `intervals`), the
piecewise-exponential proportional-hazards model (`pwe`), the seeded bootstrap that runs
anywhere (`bootstrap`) and the single-thread BLAS limiter (`threads`).

The analysis packages (`retention`, `effects`, `risk`) build their estimators on these.
"""
