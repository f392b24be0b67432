#!/usr/bin/env python3
"""bench/keys.py STRATA IMAGE OUT: the view's response to keys, while loading and once loaded.

Runs `STRATA IMAGE` on a pseudo-terminal of 120x40 (TERM=xterm-256color) with STRATA_KEYLOG set
(ui/ui.c writes a line when the screen shows a key's effect, with CLOCK_MONOTONIC, the clock
time.monotonic() reads here). Each key is written to the terminal at a known time, and its
response is the time until strata has drawn it: queueing behind a rebuild of the view (a newer
tree while loading) included, no screen scraper's polling. One key at a time: the next one goes
50 ms after the last was answered. While loading: j j j k k k on the tree pane until the view
is loaded (at most 120 keys); once loaded: the sequence below. Writes "STATE KEY MS" lines to OUT
and prints, per state, "median M ms, max X ms (N keys)"; also the peak RSS (VmHWM) of the view.
"""
import os
import pty
import select
import statistics
import subprocess
import sys
import termios
import fcntl
import struct
import tempfile
import threading
import time

LOADED_KEYS = ["j"] * 6 + ["k"] * 6 + ["\r", "j", "\r", "j", "\r"] + ["j"] * 6 + \
    ["\x1b[6~", "\x1b[6~", "\x1b[5~", "\x1b[5~", "\x1b[F", "\x1b[H", "c", "c", "s", "s",
     "[", "]", "[", "]", "\t"] + ["j"] * 4 + ["k"] * 4 + ["\t", "\t"]
NAMES = {"\r": "Enter", "\t": "Tab", "\x1b[6~": "NPage", "\x1b[5~": "PPage", "\x1b[F": "End",
         "\x1b[H": "Home"}


def main():
    strata, image, out = sys.argv[1:4]
    log = tempfile.NamedTemporaryFile(prefix="strata-keylog.", delete=False).name
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", STRATA_KEYLOG=log, LC_ALL="C.UTF-8")
    p = subprocess.Popen([strata, image], stdin=slave, stdout=slave, stderr=slave, env=env,
                         start_new_session=True)
    os.close(slave)
    stop = False

    def drain():   # the terminal's side: read everything, as a terminal would
        while not stop:
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    os.read(master, 1 << 16)
                except OSError:
                    return
    th = threading.Thread(target=drain, daemon=True)
    th.start()

    def lines():
        try:
            with open(log) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def wait_for(pred, limit):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            ls = lines()
            if pred(ls):
                return ls
            time.sleep(0.002)
        return None

    results = []
    hwm = 0

    def peak():
        nonlocal hwm
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for ln in f:
                    if ln.startswith("VmHWM:"):
                        hwm = max(hwm, int(ln.split()[1]))
        except OSError:
            pass

    def press(key, state):
        n = len(lines())
        t0 = time.monotonic()
        os.write(master, key.encode())
        # the key's line among those written since (the log has other lines: layer, prefetched)
        ls = wait_for(lambda ls: any(l.startswith("key ") for l in ls[n:]), 10)
        if ls is None:
            return False
        f = next(l for l in ls[n:] if l.startswith("key ")).split()
        results.append((state, NAMES.get(key, key), (float(f[3]) - t0) * 1000))
        peak()
        time.sleep(0.05)
        return True

    ready = wait_for(lambda ls: any(l.startswith("ready") for l in ls), 300)
    is_ready = lambda l: l.startswith("ready loaded")
    if ready is None:
        print("  TODO: the view never started (no 'ready' in the key log)")
    else:
        if not any(is_ready(l) for l in lines()):
            for i in range(120):
                if any(is_ready(l) for l in lines()):
                    break
                if not press("jjjkkk"[i % 6], "loading"):
                    break
        wait_for(lambda ls: any(is_ready(l) for l in ls), 600)
        for k in LOADED_KEYS:
            if not press(k, "loaded"):
                break
        peak()
        os.write(master, b"q")
    # each rebuild of the view: from leaving the last state ("swap") to the next loop ("ready")
    swaps, start = [], None
    for ln in lines():
        f = ln.split()
        if f[0] == "swap":
            start = float(f[2])
        elif f[0] == "ready" and start is not None:
            swaps.append(((float(f[2]) - start) * 1000, f[1]))
            start = None
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    stop = True
    th.join()
    os.close(master)
    os.unlink(log)
    with open(out, "w") as f:
        for s, k, ms in results:
            f.write(f"{s} {k} {ms:.2f}\n")
    for state in ("loading", "loaded"):
        ms = sorted(r[2] for r in results if r[0] == state)
        if ms:
            slow = sorted((r for r in results if r[0] == state), key=lambda r: -r[2])[:3]
            print(f"  keys {state}: median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms "
                  f"({len(ms)} keys; slowest: " + ", ".join(f"{k} {m:.1f} ms" for _, k, m in slow) + ")")
        else:
            print(f"  keys {state}: 0 keys")
    if swaps:
        ms = sorted(m for m, _ in swaps)
        last = [m for m, st in swaps if st == "loaded"]
        print(f"  view rebuilt {len(ms)} times while loading: median {statistics.median(ms):.1f} ms, "
              f"max {ms[-1]:.1f} ms" + (f"; the last, into the analysed view, {last[0]:.1f} ms" if last else ""))
    print(f"  peak RSS (VmHWM, sampled per key) {hwm} KiB")


if __name__ == "__main__":
    main()
