#!/usr/bin/env python3
"""RMIA scores recomputed in NumPy from the paper's formulas, for Tests/AuditingTests/RMIATests.swift.

Zarifzadeh, Liu & Shokri, "Low-Cost High-Power Membership Inference Attacks" (ICML 2024):
Score(x) = mean over z of [ (p(x)/Pr(x)) / (p(z)/Pr(z)) >= gamma ], with Pr(.) the mean of the reference
models' probabilities (online) or 1/2((1+a) * mean OUT + (1-a)) (offline); every probability and Pr(.)
clamped to [1e-30, 1]. Written independently of the Swift code (an all-pairs matrix, no sorting); prints
the scores of the fixed inputs below as the counts #{z passing} out of |Z|, which the Swift test embeds.
"""
import numpy as np

FLOOR = 1e-30

# Five queried samples and six population samples z, two reference models each (OUT for the offline case).
TARGET_X = [0.9, 0.05, 0.6, 0.0, 0.33]
REFS_X = [[0.3, 0.5], [0.1, 0.02], [0.6, 0.7], [0.2, 0.0], [0.33, 0.25]]
TARGET_Z = [0.4, 0.8, 0.1, 0.25, 0.0, 0.7]
REFS_Z = [[0.5, 0.3], [0.6, 0.9], [0.2, 0.1], [0.25, 0.3], [0.1, 0.2], [0.4, 0.6]]


def clamp(p):
    return np.clip(np.nan_to_num(np.asarray(p, dtype=np.float64), nan=FLOOR), FLOOR, 1.0)


def marginal(refs, a):
    mean = clamp(refs).mean(axis=1)
    return mean if a is None else 0.5 * ((1 + a) * mean + (1 - a))


def counts(a, gamma):
    rx = clamp(TARGET_X) / clamp(marginal(REFS_X, a))
    rz = clamp(TARGET_Z) / clamp(marginal(REFS_Z, a))
    lr = rx[:, None] / rz[None, :]
    return (lr >= gamma).sum(axis=1)


for a in [None, 0.0, 0.3, 1.0]:
    for gamma in [0.5, 1.0, 2.0]:
        name = "online" if a is None else f"offline a={a}"
        print(f"{name:15s} gamma={gamma}: {counts(a, gamma).tolist()} of {len(TARGET_Z)}")
