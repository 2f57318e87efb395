import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# sweep.py TAG:LABEL...: bar.py and stats.py as one markdown table, a row per run
print('| run | share | fan | fan + rooms | fan ×1.3 | fan ×0.75 | simulated | all 62 | spectra: mean FA | mean recall | rows < 95 % (of 126) | pairs > 2 % FA (of 42) | silentA → noisy damage2 | simulated mean FA |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for arg in sys.argv[1:]:
    tag, share = arg.split(':')
    counts = bar_counts(tag)
    fa, rec, low, _, hi, _ = spectrum_stats(tag)
    sn = [p for p in load(tag, 'fan') if p['source'] == 'silentA'][0]['rows'][1]['faultRecallAfter']
    simfa, _ = sim_false_alarms(tag)
    print(f'| `{tag}` | {share} | ' + ' | '.join(f'{k}/{n}' for _, k, n in counts) + f' | {sum(k for _, k, _ in counts)} | '
          f'{100*fa:.2f} % | {100*rec:.2f} % | {low} | {hi} | {100*sn:.1f} % | {100*simfa:.2f} % |')
