#!/usr/bin/env python3
"""Synthetic rooms for adapt-eval: a test bench, not training data (issue 9, "recordings you do not have").

A room "mixA" is the quiet room silentA with a scaled copy of another room's background added, in power:

    frame = sqrt(silentA_frame**2 + (alpha * background_frame)**2)        (per bin, 512 bins, bin 0 stays 0)

The background is the noisy room with the fan standing still (speed o: 12cm_o_normal_noisy and the o segments of
the noisy hmlo takes), optionally moved up by `shift` bins (the ventilation hum near 45 Hz then sits elsewhere: a
room with a different hum). Every silentA recording (normal h/m/l/o/hmlo takes 1 and 2, damage1/damage2 hmlo takes
1 and 2) gets its own stretch of background, so normal and damaged fans hear the same room. The output folder has
the layout of data/cooling-fan (README there) and holds the silentA recordings too (copied), so

    sensorodl adapt-eval --matrix --data OUT --by env --normal state=normal --faults-by state

runs silentA -> room and room -> silentA (and room -> room when several are made into one folder).

Another fan: `--fan-speed F` first moves every silentA frame's frequencies by the factor F (bin b takes the amplitude
at b / F, linearly interpolated; above the recorded band the top bin's), as if a fan with its lines F times as high
(a smaller, faster fan: F > 1) were recorded in the quiet room; the silentA recordings in OUT are those moved frames,
and the rooms are mixed over them. The background is not moved: the same rooms, another fan.

Usage: bench/synthetic-rooms.py OUT ROOM[:ALPHA[:SHIFT]] ...   e.g.  bench/synthetic-rooms.py /tmp/rooms mix025:0.25
       [--data data/cooling-fan] [--with-noisy] [--fan-speed F]   (--with-noisy copies the noisy recordings in as well)
Pure python3 (no numpy needed); deterministic (each recording's background offset comes from its file name).
"""
import argparse
import array
import hashlib
import json
import math
import os
import shutil
import sys

BINS = 512


def read_frames(path):
    values = array.array("f")
    with open(path, "rb") as f:
        values.frombytes(f.read())
    if sys.byteorder != "little":
        values.byteswap()
    return [values[i:i + BINS] for i in range(0, len(values), BINS)]


def write_frames(path, frames):
    values = array.array("f")
    for frame in frames:
        values.extend(frame)
    if sys.byteorder != "little":
        values.byteswap()
    data = values.tobytes()
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest()


def background_pool(data, recordings):
    """Frames of the noisy room with the fan standing still."""
    pool = []
    for r in recordings:
        if r["env"] != "noisy" or r["state"] != "normal":
            continue
        frames = read_frames(os.path.join(data, r["file"]))
        if r["speed"] == "o":
            pool.extend(frames)
        elif r["speed"] == "hmlo":
            for s in r.get("segments", []):
                if s["speed"] == "o":
                    pool.extend(frames[s["from"]:s["to"]])
    if not pool:
        sys.exit("no noisy speed-o frames in " + data)
    return pool


def shifted(frame, shift):
    if shift == 0:
        return frame
    out = array.array("f", frame)
    for b in range(1, BINS):
        src = b - shift
        out[b] = frame[src] if src >= 1 else frame[b]
    return out


def fan_moved(frame, factor):
    if factor == 1:
        return frame
    out = array.array("f", [0.0] * BINS)
    for b in range(1, BINS):
        x = min(b / factor, BINS - 1.0)
        lo = max(int(x), 1)
        hi = min(lo + 1, BINS - 1)
        t = min(max(x - lo, 0.0), 1.0)
        out[b] = (1 - t) * frame[lo] + t * frame[hi]
    return out


def mix(quiet, background, alpha):
    out = array.array("f", [0.0] * BINS)
    for b in range(1, BINS):
        q = quiet[b]
        n = alpha * background[b]
        out[b] = math.sqrt(q * q + n * n)
    return out


def parse_room(text):
    parts = text.split(":")
    name = parts[0]
    alpha = float(parts[1]) if len(parts) > 1 else 0.5
    shift = int(parts[2]) if len(parts) > 2 else 0
    if not name or name in ("silentA", "noisy") or alpha < 0 or not 0 <= shift < BINS // 2:
        sys.exit(f"bad room '{text}': NAME[:ALPHA[:SHIFT]] with ALPHA >= 0 and 0 <= SHIFT < 256")
    return name, alpha, shift


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("rooms", nargs="+")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "data", "cooling-fan"))
    parser.add_argument("--with-noisy", action="store_true")
    parser.add_argument("--fan-speed", type=float, default=1.0)
    args = parser.parse_args()
    if not 0.25 <= args.fan_speed <= 4:
        sys.exit("--fan-speed must be between 0.25 and 4")
    if args.fan_speed != 1 and args.with_noisy:
        sys.exit("--with-noisy copies the recorded fan; it cannot be moved with --fan-speed")

    with open(os.path.join(args.data, "manifest.json")) as f:
        manifest = json.load(f)
    recordings = manifest["recordings"]
    pool = background_pool(args.data, recordings)
    os.makedirs(args.out, exist_ok=True)
    out_recordings = []
    keep = {"silentA", "noisy"} if args.with_noisy else {"silentA"}
    def quiet_frames(r):
        return [fan_moved(frame, args.fan_speed) for frame in read_frames(os.path.join(args.data, r["file"]))]

    def with_fan(entry):
        if args.fan_speed != 1:
            entry["fan"] = f"{entry['fan']}x{args.fan_speed:g}"
            entry["fanSpeedFactor"] = args.fan_speed
            if entry.get("rpm"):
                entry["rpm"] = round(entry["rpm"] * args.fan_speed)
        return entry

    for r in recordings:
        if r["env"] not in keep:
            continue
        if args.fan_speed == 1:
            shutil.copyfile(os.path.join(args.data, r["file"]), os.path.join(args.out, r["file"]))
            out_recordings.append(r)
        else:
            entry = with_fan(dict(r))
            entry["sha256"] = write_frames(os.path.join(args.out, r["file"]), quiet_frames(r))
            entry["source"] = {"generator": "bench/synthetic-rooms.py", "base": r["file"], "fanSpeedFactor": args.fan_speed}
            out_recordings.append(entry)

    for room in args.rooms:
        name, alpha, shift = parse_room(room)
        moved = [shifted(frame, shift) for frame in pool]
        for r in recordings:
            if r["env"] != "silentA":
                continue
            quiet = quiet_frames(r)
            offset = int(hashlib.sha256((name + r["file"]).encode()).hexdigest()[:8], 16) % len(moved)
            frames = [mix(q, moved[(offset + i) % len(moved)], alpha) for i, q in enumerate(quiet)]
            entry = with_fan(dict(r))
            entry["file"] = r["file"].replace("silentA", name)
            entry["env"] = name
            entry["sha256"] = write_frames(os.path.join(args.out, entry["file"]), frames)
            entry["source"] = {"generator": "bench/synthetic-rooms.py", "base": r["file"],
                               "background": "noisy, speed o", "alpha": alpha, "shiftBins": shift,
                               "fanSpeedFactor": args.fan_speed}
            entry["alpha"] = alpha
            entry["shiftBins"] = shift
            out_recordings.append(entry)
        print(f"{name}: alpha {alpha}, hum moved {shift} bins, {sum(1 for r in recordings if r['env'] == 'silentA')} recordings")

    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"dataset": "cooling-fan-synthetic-rooms", "recordings": out_recordings}, f, indent=1)


if __name__ == "__main__":
    main()
