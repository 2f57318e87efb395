import os, sys, json, math; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# md.py TAG: the markdown tables of every row of the seven matrices, in session 15's format
HEADINGS = {'fan': '*Fan data (`data/cooling-fan`):*', 'rooms-all': '*Fan + synthetic rooms (`/tmp/rooms-all`):*',
          'rooms-mix025': '*Rooms mix025:*', 'rooms-mix100': '*Rooms mix100:*', 'fan13': '*Fan ×1.3 (`/tmp/fan13`):*',
          'fan075': '*Fan ×0.75 (`/tmp/fan075`):*', 'sim': '*Simulated machine (`/tmp/final-sim`):*'}
def pc(x):
    if x is None or isinstance(x, str): return 'NaN'
    return 'NaN' if math.isnan(x) else f'{100*x:.1f}'
def att(a):
    if not a: return '—'
    return (a.get('code') if isinstance(a, dict) else str(a)) or '—'
tag = sys.argv[1]
for s in SETS:
    ps = load(tag, s)
    if ps is None: continue
    print(HEADINGS[s]); print()
    print('| pair | faults | FA before → after | recall before → after | full retrain | threshold-only | PCA | drift after | promoted/rejected | attention |')
    print('|---|---|---:|---:|---:|---:|---:|---:|---:|---|')
    for p in ps:
        for r in p['rows']:
            print(f"| {p['source']} → {p['target']} | {r['faults']} | {pc(p['falseAlarmRateBefore'])} → {pc(p['falseAlarmRateAfter'])} | "
                  f"{pc(r['faultRecallBefore'])} → {pc(r['faultRecallAfter'])} | {pc(p['fullRetrainFalseAlarms'])} / {pc(r['fullRetrainRecall'])} | "
                  f"{pc(p['thresholdOnlyFalseAlarms'])} / {pc(r['thresholdOnlyRecall'])} | {pc(p['pcaFalseAlarms'])} / {pc(r['pcaRecall'])} | "
                  f"{p['driftDelayWindows']} | {p['promoted']}/{p['rejected']} | {att(p['attention'])} |")
    print()
