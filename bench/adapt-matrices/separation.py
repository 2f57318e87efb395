#!/usr/bin/env python3
"""separation.py TAG:LABEL...: how well each run's final versions separate the faults, whatever their threshold.

From the pairs' `separation` rows (adapt-eval's threshold-free measures on the held-back windows, one row per fault
type): the mean ROC AUC, and the mean recall with the threshold placed so that exactly the budget of held-back normal
windows alarm, of the final version and of the full retrain on the same windows — spectrum sets, per set and together."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from lib import SETS, load


def rows(tag, sets):
    out = []
    for s in sets:
        for p in load(tag, s) or []:
            out += [r for r in p['separation'] if r['faults'] != 'all']
    return out


def mean(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return sum(xs) / len(xs) if xs else float('nan')


spectra = SETS[:-1]
print('| run | spectra: AUC | recall at exactly the budget | full retrain: AUC | recall | ' + ' | '.join(spectra) + ' |')
print('|---|---:|---:|---:|---:|' + '---:|' * len(spectra))
for arg in sys.argv[1:]:
    tag, _, label = arg.partition(':')
    r = rows(tag, spectra)
    per_set = [mean(x['finalRecallAtBudget'] for x in rows(tag, [s])) for s in spectra]
    print(f"| `{tag}` {label} | {mean(x['finalAuc'] for x in r):.4f} | {mean(x['finalRecallAtBudget'] for x in r):.1%} | "
          f"{mean(x['fullRetrainAuc'] for x in r):.4f} | {mean(x['fullRetrainRecallAtBudget'] for x in r):.1%} | "
          + ' | '.join(f'{v:.1%}' for v in per_set) + ' |')
