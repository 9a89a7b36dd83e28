"""Benchmark: gradient of a 1,000-step RK4 integration of a damped pendulum.

The loss is plain Python scalar code (floats, ``math.sin``, a ``for`` loop carrying
the state ``(theta, omega)``).  Its gradient with respect to the three parameters
``(g_over_l, damping, theta0)`` is computed by a hand-written reverse sweep (checked
against central finite differences at start-up), by s2sad in reverse and forward
mode, by autograd and by ``jax.grad`` (not jitted, float64), and every time is
printed as a ratio to the primal and to the hand-written gradient.

Run from the repository root:  python benchmarks/rk4_pendulum.py
"""
from __future__ import annotations

import functools
import math
import sys

import common

N_STEPS = 1000
DT = 0.01
PARAMS = (9.81, 0.3, 1.2)           # g_over_l [1/s^2], damping [1/s], theta0 [rad]
GRAD_NAMES = ("d/d g_over_l", "d/d damping", "d/d theta0")


def loss(g_over_l, damping, theta0):
    """theta(T)^2 plus the pendulum's energy per unit mass at T, after RK4 from rest."""
    n_steps = 1000
    dt = 0.01
    theta = theta0
    omega = 0.0
    for i in range(n_steps):
        k1_theta = omega
        k1_omega = -g_over_l * math.sin(theta) - damping * omega
        k2_theta = omega + 0.5 * dt * k1_omega
        k2_omega = -g_over_l * math.sin(theta + 0.5 * dt * k1_theta) - damping * k2_theta
        k3_theta = omega + 0.5 * dt * k2_omega
        k3_omega = -g_over_l * math.sin(theta + 0.5 * dt * k2_theta) - damping * k3_theta
        k4_theta = omega + dt * k3_omega
        k4_omega = -g_over_l * math.sin(theta + dt * k3_theta) - damping * k4_theta
        theta = theta + dt / 6.0 * (k1_theta + 2.0 * k2_theta + 2.0 * k3_theta + k4_theta)
        omega = omega + dt / 6.0 * (k1_omega + 2.0 * k2_omega + 2.0 * k3_omega + k4_omega)
    energy = 0.5 * omega * omega + g_over_l * (1.0 - math.cos(theta))
    return theta * theta + energy


def make_peer_loss(np, n_steps=N_STEPS):
    """The same loss written with a peer's numpy module (autograd.numpy or jax.numpy).

    ``n_steps`` below 1000 cuts the integration short (used to estimate slow rows).
    """
    sin, cos = np.sin, np.cos

    def loss_peer(g_over_l, damping, theta0):
        dt = 0.01
        theta = theta0
        omega = 0.0
        for i in range(n_steps):
            k1_theta = omega
            k1_omega = -g_over_l * sin(theta) - damping * omega
            k2_theta = omega + 0.5 * dt * k1_omega
            k2_omega = -g_over_l * sin(theta + 0.5 * dt * k1_theta) - damping * k2_theta
            k3_theta = omega + 0.5 * dt * k2_omega
            k3_omega = -g_over_l * sin(theta + 0.5 * dt * k2_theta) - damping * k3_theta
            k4_theta = omega + dt * k3_omega
            k4_omega = -g_over_l * sin(theta + dt * k3_theta) - damping * k4_theta
            theta = theta + dt / 6.0 * (k1_theta + 2.0 * k2_theta + 2.0 * k3_theta + k4_theta)
            omega = omega + dt / 6.0 * (k1_omega + 2.0 * k2_omega + 2.0 * k3_omega + k4_omega)
        energy = 0.5 * omega * omega + g_over_l * (1.0 - cos(theta))
        return theta * theta + energy

    return loss_peer


def grad_hand(g_over_l, damping, theta0, n_steps=N_STEPS):
    """Hand-written reverse-mode gradient of ``loss``: (d/d g_over_l, d/d damping, d/d theta0).

    The forward sweep runs the same RK4 steps and stores, per step, the state and the
    three intermediate stage states with their sines.  The reverse sweep walks the
    steps backwards propagating the adjoints (b_theta, b_omega) of the state and
    accumulating those of g_over_l (b_a) and damping (b_c).  ``n_steps`` below 1000
    differentiates the integration cut short (the reference for estimated rows).
    """
    a = g_over_l
    c = damping
    dt = DT
    h = 0.5 * dt
    q = dt / 6.0
    theta = theta0
    omega = 0.0
    tape = []
    for _ in range(n_steps):
        s1 = math.sin(theta)
        k1w = -a * s1 - c * omega
        w2 = omega + h * k1w                  # k2_theta
        t2 = theta + h * omega
        s2 = math.sin(t2)
        k2w = -a * s2 - c * w2
        w3 = omega + h * k2w                  # k3_theta
        t3 = theta + h * w2
        s3 = math.sin(t3)
        k3w = -a * s3 - c * w3
        w4 = omega + dt * k3w                 # k4_theta
        t4 = theta + dt * w3
        s4 = math.sin(t4)
        k4w = -a * s4 - c * w4
        tape.append((theta, omega, t2, w2, t3, w3, t4, w4, s1, s2, s3, s4))
        theta = theta + q * (omega + 2.0 * w2 + 2.0 * w3 + w4)
        omega = omega + q * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)

    # loss = theta^2 + 0.5 omega^2 + a (1 - cos theta)
    b_theta = 2.0 * theta + a * math.sin(theta)
    b_omega = omega
    b_a = 1.0 - math.cos(theta)
    b_c = 0.0
    for theta, omega, t2, w2, t3, w3, t4, w4, s1, s2, s3, s4 in reversed(tape):
        # theta' = theta + q (omega + 2 w2 + 2 w3 + w4)
        # omega' = omega + q (k1w + 2 k2w + 2 k3w + k4w)
        bt = b_theta
        bw = b_omega + q * b_theta
        bw2 = 2.0 * q * b_theta
        bw3 = 2.0 * q * b_theta
        bw4 = q * b_theta
        bk1w = q * b_omega
        bk2w = 2.0 * q * b_omega
        bk3w = 2.0 * q * b_omega
        bk4w = q * b_omega
        # k4w = -a sin(t4) - c w4
        bt4 = -a * math.cos(t4) * bk4w
        bw4 -= c * bk4w
        b_a -= s4 * bk4w
        b_c -= w4 * bk4w
        # t4 = theta + dt w3;  w4 = omega + dt k3w
        bt += bt4
        bw3 += dt * bt4
        bw += bw4
        bk3w += dt * bw4
        # k3w = -a sin(t3) - c w3
        bt3 = -a * math.cos(t3) * bk3w
        bw3 -= c * bk3w
        b_a -= s3 * bk3w
        b_c -= w3 * bk3w
        # t3 = theta + h w2;  w3 = omega + h k2w
        bt += bt3
        bw2 += h * bt3
        bw += bw3
        bk2w += h * bw3
        # k2w = -a sin(t2) - c w2
        bt2 = -a * math.cos(t2) * bk2w
        bw2 -= c * bk2w
        b_a -= s2 * bk2w
        b_c -= w2 * bk2w
        # t2 = theta + h omega;  w2 = omega + h k1w
        bt += bt2
        bw += h * bt2
        bw += bw2
        bk1w += h * bw2
        # k1w = -a sin(theta) - c omega
        bt -= a * math.cos(theta) * bk1w
        bw -= c * bk1w
        b_a -= s1 * bk1w
        b_c -= omega * bk1w
        b_theta = bt
        b_omega = bw
    # omega(0) = 0 is a constant; theta(0) = theta0
    return b_a, b_c, b_theta


def self_check() -> None:
    """The hand-written gradient must match central finite differences (rel. err < 1e-6)."""
    fd = common.central_fd(loss, PARAMS, rel_step=1e-6)
    hand = grad_hand(*PARAMS)
    err = common.rel_err(hand, fd)
    print(f"self-check: hand-written gradient vs central finite differences "
          f"(relative step 1e-6): rel err {err:.2e}")
    if not err < 1e-6:
        print(f"  hand {common.fmt_vec(hand)}\n  fd   {common.fmt_vec(fd)}")
        sys.exit("self-check FAILED: the hand-written gradient is wrong")


def main() -> None:
    opts = common.parse_args(__doc__.splitlines()[0])
    common.header(
        "RK4 damped pendulum: gradient of a 1,000-step scalar Python loop",
        [f"loss(g_over_l, damping, theta0) at {PARAMS}, {N_STEPS} steps of dt={DT}",
         "times are per call in microseconds; ratios use the min (best) time"])
    self_check()
    s2sad = common.load_s2sad()
    candidates = common.s2sad_candidates(s2sad, loss, 3)
    candidates += common.peer_candidates(3, make_peer_loss, "n_steps")
    print()
    common.run_gradient_rows(loss, grad_hand, PARAMS, candidates, opts,
                             grad_names=GRAD_NAMES, n_iter=N_STEPS,
                             hand_scaled=lambda n: functools.partial(grad_hand, n_steps=n))
    print()
    common.print_tape_count(s2sad, loss, 3, PARAMS)


if __name__ == "__main__":
    main()
