import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# variants.py [--set SET] TAG:LABEL...: per set (or the one SET), a line per pair: FA / recall of each fault row, per run
args = sys.argv[1:]
only = None
if args[:1] == ['--set']: only, args = args[1], args[2:]
vs = [a.split(':') for a in args]
for s in SETS:
    if only and s != only: continue
    data = [(l, load(t, s)) for t, l in vs]
    if any(d is None for _, d in data): continue
    faults = ' / '.join(r['faults'] for r in data[0][1][0]['rows'])
    if not only: print(f'*{TITLES[s]}* (FA % / recall % of {faults}):'); print()
    print('| pair | ' + ' | '.join(l for l, _ in data) + ' |'); print('|---|' + '---:|' * len(data))
    for i, p in enumerate(data[0][1]):
        cells = []
        for l, ps in data:
            q = ps[i]
            assert (q['source'], q['target']) == (p['source'], p['target'])
            cells.append(f"{100*q['falseAlarmRateAfter']:.1f} / " + ' / '.join(f"{100*r['faultRecallAfter']:.1f}" for r in q['rows']))
        print(f"| {p['source']} → {p['target']} | " + ' | '.join(cells) + ' |')
    if not only: print()
