import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# pairtable.py SET TAG:LABEL ...: one line per pair, FA / recall per damage row for each variant
s = sys.argv[1]; vs = [a.split(':') for a in sys.argv[2:]]
data = [(l, load(t, s)) for t, l in vs]
print('| pair | ' + ' | '.join(l for l, _ in data) + ' |'); print('|---|' + '---:|' * len(data))
for i, p in enumerate(data[0][1]):
    cells = []
    for l, ps in data:
        q = ps[i]; cells.append(f"{100*q['falseAlarmRateAfter']:.1f} / " + ' / '.join(f"{100*r['faultRecallAfter']:.1f}" for r in q['rows']))
    print(f"| {p['source']} → {p['target']} | " + ' | '.join(cells) + ' |')
