"""Top functions of a py-spy raw (collapsed-stack) profile, by self and by inclusive samples.

    py-spy record --format raw -o profile.txt -- python bench/bench_sync_stripe.py --invoices 4000
    python bench/profile_top.py profile.txt [--top 25] [--under sync_all]
"""

from __future__ import annotations

import argparse
import collections


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--under", default="sync_all", help="count only stacks passing through this function")
    args = parser.parse_args()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in open(args.profile):
        stack, _, count = line.rstrip().rpartition(" ")
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].split("/")[-1] + ")"
                  if " (" in f else f for f in stack.split(";")]
        if args.under and not any(f.startswith(args.under + " ") for f in frames):
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            inclusive[f] += n
    print(f"{total} samples under {args.under or 'everything'}")
    print("| self % | function |\n|---:|---|")
    for f, n in own.most_common(args.top):
        print(f"| {100 * n / total:.1f} | `{f}` |")
    print("\n| inclusive % | function |\n|---:|---|")
    for f, n in inclusive.most_common(args.top + 15):
        print(f"| {100 * n / total:.1f} | `{f}` |")


if __name__ == "__main__":
    main()
