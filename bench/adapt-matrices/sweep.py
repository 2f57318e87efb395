import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
groups = [('fan', ['fan'], .95), ('rooms', ['rooms-all', 'rooms-mix025', 'rooms-mix100'], .95),
          ('fan13', ['fan13'], .95), ('fan075', ['fan075'], .95), ('sim', ['sim'], .97)]
print('| run | share | fan | fan + rooms | fan ×1.3 | fan ×0.75 | simulated | all 62 | spectra: mean FA | mean recall | rows < 95 % (of 126) | pairs > 2 % FA (of 42) | silentA → noisy damage2 | simulated mean FA |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for arg in sys.argv[1:]:
    tag, share = arg.split(':')
    cells = []; tot = 0
    for name, sets, bar in groups:
        ps = [p for s in sets for p in load(tag, s)]
        k = sum(pair_pass(p, bar) for p in ps); tot += k; cells.append(f'{k}/{len(ps)}')
    fa, rec, low, hi = [], [], 0, 0
    for s in SETS[:-1]:
        for p in load(tag, s):
            fa.append(p['falseAlarmRateAfter']); hi += p['falseAlarmRateAfter'] > 0.02
            for r in p['rows']: rec.append(r['faultRecallAfter']); low += r['faultRecallAfter'] < 0.95
    sn = [p for p in load(tag, 'fan') if p['source'] == 'silentA'][0]['rows'][1]['faultRecallAfter']
    sim = load(tag, 'sim'); simfa = sum(p['falseAlarmRateAfter'] for p in sim) / len(sim)
    print(f'| `{tag}` | {share} | ' + ' | '.join(cells) + f' | {tot} | {100*sum(fa)/len(fa):.2f} % | {100*sum(rec)/len(rec):.2f} % | {low} | {hi} | {100*sn:.1f} % | {100*simfa:.2f} % |')
