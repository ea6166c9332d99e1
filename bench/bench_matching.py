"""Precision and recall of the matching engine's automatic matches on a generated adversarial set.

    python -m bench.bench_matching [--seed N] [--customers N]

Precision: of the receipts matched automatically, the share matched to exactly the invoices
they pay (a match to no invoice of a receipt that pays none counts as wrong). Recall: of the
receipts that pay some invoice, the share matched automatically and rightly. Also checks that
the same data in another order gives the same matches. Targets: precision ≥ 99.5 %, recall ≥ 95 %.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from bench.matching_set import generate, rates
from revhub.recon.matching import match


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=400)
    args = parser.parse_args()

    invoices, cases = generate(args.seed, args.customers)
    truth = {c.receipt.id: c.truth for c in cases}
    kinds = {c.receipt.id: c.kind for c in cases}
    started = time.process_time()
    result = match(invoices, [c.receipt for c in cases], rates)
    cpu = time.process_time() - started

    right, wrong = Counter(), Counter()
    for m in result.matches:
        got = frozenset(a.invoice_id for a in m.allocations)
        (right if got and got == truth[m.receipt_id] else wrong)[kinds[m.receipt_id]] += 1
    payable = Counter(kinds[c.receipt.id] for c in cases if c.truth)
    auto = sum(right.values()) + sum(wrong.values())
    precision = sum(right.values()) / auto if auto else 1.0
    recall = sum(right.values()) / sum(payable.values())

    shuffled = [c.receipt for c in cases]
    random.Random(args.seed + 1).shuffle(shuffled)
    invoices_shuffled = list(invoices)
    random.Random(args.seed + 2).shuffle(invoices_shuffled)
    again = match(invoices_shuffled, shuffled, rates)
    same = sorted(map(repr, again.matches)) == sorted(map(repr, result.matches))

    print(f"adversarial set: seed {args.seed}, {len(invoices)} invoices, {len(cases)} receipts")
    print(f"{'kind':<12}{'receipts':>9}{'right':>7}{'wrong':>7}{'to queue':>10}")
    for kind in sorted({c.kind for c in cases}):
        total = sum(1 for c in cases if c.kind == kind)
        print(f"{kind:<12}{total:>9}{right[kind]:>7}{wrong[kind]:>7}{total - right[kind] - wrong[kind]:>10}")
    print(f"automatic matches: {auto}, right {sum(right.values())}, wrong {sum(wrong.values())}")
    print(f"precision {precision:.2%} (target ≥ 99.5 %)  recall {recall:.2%} (target ≥ 95 %)")
    print(f"same matches in another order: {'yes' if same else 'NO'}")
    print(f"CPU {cpu * 1000 / len(cases):.3f} ms per receipt")


if __name__ == "__main__":
    main()
