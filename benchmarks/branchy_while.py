"""Benchmark: gradient of a branchy scalar while loop with a data-dependent trip count.

The loss runs a descent on f(x) = curvature/2 (x - center)^2 - ripple cos(x) with an
if/elif/else on the value of f'(x) (square-root steps far from the minimum, and
different over-relaxed steps on either side of it, so the branch alternates on
every iteration near the end) until |f'(x)| < 1e-10, and scores where it stops and
the path it took.  The gradient with respect to (curvature, center, ripple) is
computed by a hand-written reverse sweep (checked against central finite
differences at start-up), by s2sad in reverse and forward mode, by autograd and by
``jax.grad`` (not jitted, float64), and every time is printed as a ratio to the
primal and to the hand-written gradient.

Run from the repository root:  python benchmarks/branchy_while.py
"""
from __future__ import annotations

import functools
import math
import sys

import common

MAX_ITER = 2000
PARAMS = (1.2, -1.0, 0.4)           # curvature, center, ripple
GRAD_NAMES = ("d/d curvature", "d/d center", "d/d ripple")


def loss(curvature, center, ripple):
    """0.5 x_end^2 + 0.01 * sum over the iterations of (x - center)^2."""
    x = 6.0
    g = 1.0
    path = 0.0
    n = 0
    while abs(g) > 1e-10 and n < 2000:
        g = curvature * (x - center) + ripple * math.sin(x)
        if g > 1.0:
            x = x - math.sqrt(g)
        elif g < -1.0:
            x = x + math.sqrt(-g)
        elif g > 0.0:
            x = x - 1.25 * g
        else:
            x = x - 1.35 * g
        path = path + (x - center) ** 2
        n = n + 1
    return 0.5 * x * x + 0.01 * path


def make_peer_loss(np, max_iter=MAX_ITER):
    """The same loss written with a peer's numpy module (autograd.numpy or jax.numpy).

    ``max_iter`` below the trip count cuts the loop short (used to estimate slow rows).
    """
    sin, sqrt = np.sin, np.sqrt

    def loss_peer(curvature, center, ripple):
        x = 6.0
        g = 1.0
        path = 0.0
        n = 0
        while abs(g) > 1e-10 and n < max_iter:
            g = curvature * (x - center) + ripple * sin(x)
            if g > 1.0:
                x = x - sqrt(g)
            elif g < -1.0:
                x = x + sqrt(-g)
            elif g > 0.0:
                x = x - 1.25 * g
            else:
                x = x - 1.35 * g
            path = path + (x - center) ** 2
            n = n + 1
        return 0.5 * x * x + 0.01 * path

    return loss_peer


FAR_RIGHT, FAR_LEFT, NEAR_RIGHT, NEAR_LEFT = range(4)


def forward_sweep(curvature, center, ripple, max_iter=MAX_ITER):
    """Run the loop of ``loss``; return (value, tape), one tape entry per iteration."""
    a, b, c = curvature, center, ripple
    x = 6.0
    g = 1.0
    path = 0.0
    n = 0
    tape = []
    while abs(g) > 1e-10 and n < max_iter:
        s = math.sin(x)
        g = a * (x - b) + c * s
        if g > 1.0:
            branch = FAR_RIGHT
            x_new = x - math.sqrt(g)
        elif g < -1.0:
            branch = FAR_LEFT
            x_new = x + math.sqrt(-g)
        elif g > 0.0:
            branch = NEAR_RIGHT
            x_new = x - 1.25 * g
        else:
            branch = NEAR_LEFT
            x_new = x - 1.35 * g
        tape.append((x, s, g, branch, x_new))
        x = x_new
        path = path + (x - b) ** 2
        n = n + 1
    return 0.5 * x * x + 0.01 * path, tape


def grad_hand(curvature, center, ripple, max_iter=MAX_ITER):
    """Hand-written reverse-mode gradient of ``loss``: (d/d curvature, d/d center, d/d ripple).

    The forward sweep records, per iteration, x, sin(x), f'(x), the branch taken and
    the new x; the reverse sweep walks the iterations backwards with the adjoint b_x
    of x, accumulating those of the parameters.  ``max_iter`` below the trip count
    differentiates the loop cut short (the reference for estimated rows).
    """
    a, b, c = curvature, center, ripple
    _, tape = forward_sweep(a, b, c, max_iter)
    x_end = tape[-1][4] if tape else 6.0
    # value = 0.5 x_end^2 + 0.01 path
    b_x = x_end
    b_a = b_b = b_c = 0.0
    for x, s, g, branch, x_new in reversed(tape):
        # path += (x_new - center)^2
        d = 0.02 * (x_new - b)
        b_x += d
        b_b -= d
        # x_new = x + step(g)
        if branch == FAR_RIGHT:          # x - sqrt(g)
            b_g = -b_x * 0.5 / math.sqrt(g)
        elif branch == FAR_LEFT:         # x + sqrt(-g)
            b_g = -b_x * 0.5 / math.sqrt(-g)
        elif branch == NEAR_RIGHT:       # x - 1.25 g
            b_g = -1.25 * b_x
        else:                            # x - 1.35 g
            b_g = -1.35 * b_x
        # g = a (x - b) + c sin(x)
        b_a += b_g * (x - b)
        b_b -= b_g * a
        b_c += b_g * s
        b_x += b_g * (a + c * math.cos(x))
    # x starts at the constant 6.0
    return b_a, b_b, b_c


def trip_count(*params) -> int:
    return len(forward_sweep(*params)[1])


def self_check() -> int:
    """Hand-written gradient vs central finite differences (rel. err < 1e-6).

    Also checks that the finite differences do not straddle a change of trip count or
    of the branch sequence (the loss is only piecewise smooth).  Returns the trip count.
    """
    rel_step = 1e-6
    _, tape = forward_sweep(*PARAMS)
    branches = [entry[3] for entry in tape]
    for i, p in enumerate(PARAMS):
        for sign in (1, -1):
            q = list(PARAMS)
            q[i] = p + sign * rel_step * max(1.0, abs(p))
            if [entry[3] for entry in forward_sweep(*q)[1]] != branches:
                sys.exit(f"self-check FAILED: parameter {i} moved by {sign * rel_step:g} "
                         "changes the branch sequence; pick other parameters")
    if not math.isclose(forward_sweep(*PARAMS)[0], loss(*PARAMS), rel_tol=1e-15):
        sys.exit("self-check FAILED: forward_sweep and loss disagree")
    fd = common.central_fd(loss, PARAMS, rel_step=rel_step)
    hand = grad_hand(*PARAMS)
    err = common.rel_err(hand, fd)
    counts = [branches.count(k) for k in range(4)]
    print(f"trip count {len(tape)} (branches: far right {counts[0]}, far left {counts[1]}, "
          f"near right {counts[2]}, near left {counts[3]}); unchanged under the FD steps")
    print(f"self-check: hand-written gradient vs central finite differences "
          f"(relative step {rel_step:g}): rel err {err:.2e}")
    if not err < 1e-6:
        print(f"  hand {common.fmt_vec(hand)}\n  fd   {common.fmt_vec(fd)}")
        sys.exit("self-check FAILED: the hand-written gradient is wrong")
    return len(tape)


def main() -> None:
    opts = common.parse_args(__doc__.splitlines()[0])
    common.header(
        "Branchy while loop: gradient through a data-dependent trip count",
        [f"loss(curvature, center, ripple) at {PARAMS}, stop at |f'(x)| < 1e-10 "
         f"or {MAX_ITER} iterations",
         "times are per call in microseconds; ratios use the min (best) time"])
    n_iter = self_check()
    s2sad = common.load_s2sad()
    candidates = common.s2sad_candidates(s2sad, loss, 3)
    candidates += common.peer_candidates(3, make_peer_loss, "max_iter")
    print()
    common.run_gradient_rows(loss, grad_hand, PARAMS, candidates, opts,
                             grad_names=GRAD_NAMES, n_iter=n_iter,
                             hand_scaled=lambda n: functools.partial(grad_hand, max_iter=n))
    print()
    common.print_tape_count(s2sad, loss, 3, PARAMS)


if __name__ == "__main__":
    main()
