import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
for tag in sys.argv[1:]:
    out = []; low = []; n = 0
    for s in SETS:
        ps = load(tag, s)
        if ps is None: continue
        sp = [j['speedup'] for p in ps for j in p['jobs'] if j.get('speedup')]
        if not sp: continue
        if s != 'sim':
            n += len(sp); low += [(s, p['source'], p['target'], j['windows'], j['speedup']) for p in ps for j in p['jobs'] if j.get('speedup') and j['speedup'] < 5]
        out.append(f'{s} {min(sp):.2f}–{max(sp):.2f}× ({len(sp)})')
    print(tag, ', '.join(out)); print('  spectrum jobs', n, 'under 5x:', low)
