#!/usr/bin/env python3
"""shapes.py - set trees of every shape, generated from a seed, and checks.

  shapes.py gen SEED COUNT DIR [PIECE [BUNDLE]]
                                         make COUNT sets DIR/000.. (BUNDLE trees
                                         in each set whose shape allows); one
                                         line per set: NAME KINDS FILES BYTES
  shapes.py tiny N DIR                   N files of 2-8 bytes in 50 directories
                                         (the wire-cost case; 100000 for the big one)
  shapes.py check SRC VIEW...            every entry of SRC in every VIEW: type,
                                         size, SHA-256, symlink target; exit 1
                                         on the first differences (listed)
  shapes.py bytes SRC                    regular-file bytes in SRC (hard links
                                         counted once per name, as sets do)

Names are bytes (any byte a Linux name may hold but '/' and NUL), so this
works on os.fsencode'd paths throughout.  Replay a failure with the printed
seed: shapes.py gen SEED COUNT DIR.
"""
import hashlib
import os
import random
import sys

BLOCK = 16384


def sizes_near(piece):
    """Sizes at and around every block and piece boundary."""
    out = [0, 1, 2]
    for b in (BLOCK, 2 * BLOCK, piece, 2 * piece, piece + BLOCK):
        out += [b - 1, b, b + 1]
    return out


def odd_name(rng):
    """A name of random bytes: control characters, '%', '\\', invalid UTF-8,
    direction marks, spaces, non-ASCII letters."""
    pool = [bytes([b]) for b in range(1, 256) if b != ord('/')]
    pool += ['é'.encode(), 'ß'.encode(), '\u202e'.encode(), '\u200f'.encode(),
             '日本'.encode(), b'%41', b'%', b'\\', b' ', b'\t', b'\n', b'\x85']
    while True:
        n = b''.join(rng.choice(pool) for _ in range(rng.randint(1, 24)))
        if n not in (b'.', b'..') and len(n) <= 80:
            return n


def write(path, size, rng):
    with open(path, 'wb') as f:
        f.write(rng.randbytes(size))


def make_set(root, kind, rng, piece):
    os.makedirs(root)
    sizes = sizes_near(piece)
    if kind == 'single':
        write(os.path.join(root, b'blob.so'), rng.choice([1, BLOCK, 3 << 20, piece + 1,
                                                         rng.randint(1, 4 * piece)]), rng)
    elif kind == 'single-deep':
        d = os.path.join(root, b'a', b'b')
        os.makedirs(d)
        write(os.path.join(d, b'only'), rng.randint(1, 3 * piece), rng)
    elif kind == 'empty':
        for i in range(rng.randint(1, 5)):
            write(os.path.join(root, b'e%d' % i), 0, rng)
        write(os.path.join(root, b'data'), rng.randint(1, 100), rng)
    elif kind == 'boundaries':
        for i, s in enumerate(rng.sample(sizes, min(len(sizes), 8))):
            write(os.path.join(root, b'f%02d-%d' % (i, s)), s, rng)
        write(os.path.join(root, b'nonempty'), 7, rng)
    elif kind == 'hardlinks':
        write(os.path.join(root, b'orig'), rng.choice(sizes[3:]), rng)
        os.makedirs(os.path.join(root, b'sub'))
        os.link(os.path.join(root, b'orig'), os.path.join(root, b'sub', b'link'))
        os.link(os.path.join(root, b'orig'), os.path.join(root, b'link2'))
    elif kind == 'names':
        seen = set()
        for _ in range(rng.randint(2, 10)):
            n = odd_name(rng)
            if n in seen:
                continue
            seen.add(n)
            write(os.path.join(root, n), rng.randint(0, 3 * BLOCK), rng)
        d = os.path.join(root, odd_name(rng) + b'.d')
        os.makedirs(d)
        write(os.path.join(d, odd_name(rng)), rng.randint(1, 100), rng)
    elif kind == 'deep':
        d = root
        for i in range(rng.randint(20, 120)):
            d = os.path.join(d, b'd%d' % (i % 7))
        os.makedirs(d)
        write(os.path.join(d, b'leaf.py'), rng.randint(1, 2000), rng)
        write(os.path.join(d, b'leaf.so'), rng.choice([256 * 1024, 300000]), rng)
        write(os.path.join(root, b'top'), rng.randint(1, 2000), rng)
    else:  # mix
        dirs = [root]
        for i in range(rng.randint(2, 40)):
            r = rng.random()
            parent = rng.choice(dirs)
            if r < 0.15:
                d = os.path.join(parent, b'dir%d' % i)
                os.makedirs(d)
                dirs.append(d)
            elif r < 0.2:
                os.symlink(b'f%d' % (i - 1), os.path.join(parent, b'ln%d' % i))
            else:
                s = rng.choice(sizes) if r < 0.6 else rng.randint(0, 3 * piece)
                write(os.path.join(parent, b'f%d' % i), s, rng)
        write(os.path.join(root, b'anchor'), rng.randint(1, 50), rng)


KINDS = ['single', 'single-deep', 'empty', 'boundaries', 'hardlinks', 'names', 'deep', 'mix']


def set_bytes(root):
    total = nfiles = 0
    for dp, dn, fn in os.walk(root):
        for f in fn:
            p = os.path.join(dp, f)
            if os.path.isfile(p) and not os.path.islink(p):
                total += os.path.getsize(p)
                nfiles += 1
    return nfiles, total


TOP_ONLY = ['single', 'single-deep']   # shapes that must be a whole set


def gen(seed, count, out, piece, bundle):
    """COUNT sets; a set of a shape that may sit below the top holds BUNDLE
    trees (subdirectories t0..), so one swarm run serves many trees."""
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    trees = 0
    for i in range(count):
        kind = KINDS[i % len(KINDS)] if i < len(KINDS) else rng.choice(KINDS)
        root = os.path.join(os.fsencode(out), b'%03d' % i)
        if kind in TOP_ONLY or bundle <= 1:
            make_set(root, kind, rng, piece)
            kinds = [kind]
        else:
            os.makedirs(root)
            kinds = [kind] + [rng.choice(KINDS[2:]) for _ in range(bundle - 1)]
            for k, kd in enumerate(kinds):
                make_set(os.path.join(root, b't%d' % k), kd, rng, piece)
        trees += len(kinds)
        n, b = set_bytes(root)
        print('%03d %s %d %d' % (i, '+'.join(kinds), n, b))
    return trees


def tiny(n, out):
    rng = random.Random(n)
    for i in range(n):
        d = os.path.join(os.fsencode(out), b'p%02d' % (i % 50))
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, b'mod%05d.py' % i), rng.randint(2, 8), rng)


def entries(root):
    out = {}
    for dp, dn, fn in os.walk(root):
        for name in dn + fn:
            p = os.path.join(dp, name)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ('l', os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ('d',)
            else:
                h = hashlib.sha256()
                with open(p, 'rb') as f:
                    for chunk in iter(lambda: f.read(1 << 20), b''):
                        h.update(chunk)
                out[rel] = ('f', os.path.getsize(p), h.hexdigest())
    return out


def check(src, views):
    want = entries(os.fsencode(src))
    bad = 0
    for v in views:
        try:
            got = entries(os.fsencode(v))
        except OSError as e:
            print('%s: %s' % (v, e))
            bad += 1
            continue
        for k in sorted(set(want) | set(got)):
            if want.get(k) != got.get(k):
                print('%s: %r: source %r, view %r' % (v, k, want.get(k), got.get(k)))
                bad += 1
                if bad > 20:
                    return 1
    return 1 if bad else 0


def main(a):
    if a[0] == 'gen':
        trees = gen(int(a[1]), int(a[2]), a[3], int(a[4]) if len(a) > 4 else 262144,
                    int(a[5]) if len(a) > 5 else 1)
        print('trees %d' % trees, file=sys.stderr)
    elif a[0] == 'tiny':
        tiny(int(a[1]), a[2])
    elif a[0] == 'check':
        return check(a[1], a[2:])
    elif a[0] == 'bytes':
        print('%d %d' % set_bytes(os.fsencode(a[1])))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
