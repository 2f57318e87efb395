import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); from lib import *
# pairs meeting <=2 % FA and >=95 % recall (sim: >=97 %) on every fault row
groups = [('fan', ['fan'], .95), ('fan+rooms', ['rooms-all', 'rooms-mix025', 'rooms-mix100'], .95),
          ('fan13', ['fan13'], .95), ('fan075', ['fan075'], .95), ('sim', ['sim'], .97)]
for tag in sys.argv[1:]:
    out = []
    for name, sets, bar in groups:
        ps = [p for s in sets for p in (load(tag, s) or [])]
        out.append(f'{name} {sum(pair_pass(p, bar) for p in ps)}/{len(ps)}')
    print(tag.ljust(10), ', '.join(out))
