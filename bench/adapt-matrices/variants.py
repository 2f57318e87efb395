import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# variants.py TAG:LABEL ...: per set, one line per pair: FA / recall of each fault row, for each variant
TITLES = {'fan': 'Fan data', 'rooms-all': 'Fan + synthetic rooms', 'rooms-mix025': 'Rooms mix025', 'rooms-mix100': 'Rooms mix100',
          'fan13': 'Fan ×1.3', 'fan075': 'Fan ×0.75', 'sim': 'Simulated machine'}
vs = [a.split(':') for a in sys.argv[1:]]
for s in SETS:
    data = [(l, load(t, s)) for t, l in vs]
    if any(d is None for _, d in data): continue
    faults = ' / '.join(r['faults'] for r in data[0][1][0]['rows'])
    print(f'*{TITLES[s]}* (FA % / recall % of {faults}):'); print()
    print('| pair | ' + ' | '.join(l for l, _ in data) + ' |'); print('|---|' + '---:|' * len(data))
    for i, p in enumerate(data[0][1]):
        cells = []
        for l, ps in data:
            q = ps[i]
            assert (q['source'], q['target']) == (p['source'], p['target'])
            cells.append(f"{100*q['falseAlarmRateAfter']:.1f} / " + ' / '.join(f"{100*r['faultRecallAfter']:.1f}" for r in q['rows']))
        print(f"| {p['source']} → {p['target']} | " + ' | '.join(cells) + ' |')
    print()
