"""A bouncing ball: gradients through a data-dependent `while` loop and `if` branches.

The ball is thrown from height y0 with velocity v0 = (vx, vy) and stepped forward in
time until it has bounced `n_bounces` times or reached a wall.  Within a step the
flight is exact (constant gravity), and a step that would cross the ground or the wall
is shortened to end exactly there, so where the ball lands is a smooth function of
v0 even though the number of steps and bounces depends on it.  s2sad differentiates
the loop as written; we compare with finite differences and with the closed form, and
print the generated reverse-mode code.

    python examples/bouncing_ball.py               # gradients, the generated code, a figure
"""
import math
import os

import numpy as np

import s2sad

G = 9.81


def simulate(v0, y0, dt, n_bounces, wall, restitution):
    """Step the ball; return its final (x, y) and the number of bounces."""
    x, y = 0.0, y0
    vx, vy = v0[0], v0[1]
    bounces = 0
    at_wall = False
    while bounces < n_bounces and not at_wall:
        step = dt
        lands = False
        if y + vy * dt - 0.5 * G * dt * dt < 0.0:
            step = (vy + math.sqrt(vy * vy + 2.0 * G * y)) / G      # time to the ground
            lands = True
        if x + vx * step >= wall:
            step = (wall - x) / vx                                 # reaches the wall first
            lands = False
            at_wall = True
        x = x + vx * step
        y = y + vy * step - 0.5 * G * step * step
        vy = vy - G * step
        if lands:
            y = 0.0
            vy = -restitution * vy
            bounces += 1
    return x, y, bounces


def landing_spot(v0, y0=1.0, dt=0.05, n_bounces=3, wall=20.0, restitution=0.7):
    """Where the ball lands for the n-th time (or where it stops at the wall)."""
    x, y, bounces = simulate(v0, y0, dt, n_bounces, wall, restitution)
    return x


def height_at_wall(v0, y0=1.0, dt=0.05, n_bounces=10, wall=20.0, restitution=0.7):
    """How high the ball hits the wall (0 if it has bounced n times before)."""
    x, y, bounces = simulate(v0, y0, dt, n_bounces, wall, restitution)
    return y


d_landing_spot = s2sad.grad(landing_spot)
d_height_at_wall = s2sad.grad(height_at_wall)


def landing_spot_exact(v0, y0=1.0, n_bounces=3, restitution=0.7):
    """Closed form (no wall): the first flight, then flights of 2 v / G, v shrinking by e."""
    vx, vy = v0
    impact = math.sqrt(vy * vy + 2.0 * G * y0)
    t = (vy + impact) / G + sum(2.0 * impact * restitution ** k / G
                                for k in range(1, n_bounces))
    return vx * t


def central_difference(f, v0, h=1e-6):
    return np.array([(f(v0 + h * e) - f(v0 - h * e)) / (2.0 * h) for e in np.eye(len(v0))])


def trajectory(v0, y0=1.0, dt=0.01, n_bounces=3, wall=20.0, restitution=0.7):
    """Points along the path every dt, for the figure (a plain fine-step integration)."""
    xs, ys = [0.0], [y0]
    x, y, vx, vy, bounces = 0.0, y0, v0[0], v0[1], 0
    while bounces < n_bounces and x < wall:
        x, y, vy = x + vx * dt, y + vy * dt - 0.5 * G * dt * dt, vy - G * dt
        if y < 0.0:
            y, vy, bounces = 0.0, -restitution * vy, bounces + 1
        xs.append(min(x, wall))
        ys.append(y)
    return np.array(xs), np.array(ys)


def plot(v_bounce, v_wall, path, wall=20.0):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 2.8))
    ax.plot(*trajectory(v_bounce), label=f"v0 = {v_bounce.tolist()}: 3 bounces")
    ax.plot(*trajectory(v_wall, n_bounces=10), label=f"v0 = {v_wall.tolist()}: hits the wall")
    ax.axvline(wall, color="k", lw=3)
    ax.set_ylim(bottom=0.0)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(dt=0.05, seed=0, figure=None, verbose=True, show_source=False):
    """Gradients of both quantities at a few initial velocities, against finite
    differences; returns a dict of the largest relative errors.

    `figure`: where to save the figure if matplotlib is installed (default: next to
    this script; "" for none).  Raises AssertionError if the result is wrong.
    """
    rng = np.random.default_rng(seed)
    # a fixed velocity and a few random ones for each case
    bounce_v = [np.array([3.0, 4.0])] + [rng.uniform([1.0, 1.0], [4.0, 6.0]) for _ in range(3)]
    wall_v = [np.array([10.0, 4.0])] + [rng.uniform([9.0, 1.0], [14.0, 6.0]) for _ in range(3)]

    fd_error, exact_error, wall_error = 0.0, 0.0, 0.0
    for v0 in bounce_v:
        x, y, bounces = simulate(v0, 1.0, dt, 3, 20.0, 0.7)
        assert bounces == 3 and x < 20.0, "expected three bounces before the wall"
        g = d_landing_spot(v0, dt=dt)
        fd = central_difference(lambda v: landing_spot(v, dt=dt), v0)
        exact = central_difference(landing_spot_exact, v0)
        fd_error = max(fd_error, np.linalg.norm(g - fd) / np.linalg.norm(fd))
        exact_error = max(exact_error, np.linalg.norm(g - exact) / np.linalg.norm(exact))
        assert math.isclose(landing_spot(v0, dt=dt), landing_spot_exact(v0), rel_tol=1e-12)
    for v0 in wall_v:
        x, y, bounces = simulate(v0, 1.0, dt, 10, 20.0, 0.7)
        assert x == 20.0 and y > 0.0, "expected the ball to reach the wall in the air"
        g = d_height_at_wall(v0, dt=dt)
        fd = central_difference(lambda v: height_at_wall(v, dt=dt), v0)
        wall_error = max(wall_error, np.linalg.norm(g - fd) / np.linalg.norm(fd))

    v0 = bounce_v[0]
    if verbose:
        print(f"Ball thrown from height 1 at v0 = {v0.tolist()}, time step {dt}:")
        print(f"  third landing at x = {landing_spot(v0, dt=dt):.4f}")
        print(f"  d x / d v0  s2sad:              {d_landing_spot(v0, dt=dt)}")
        print(f"              finite differences: "
              f"{central_difference(lambda v: landing_spot(v, dt=dt), v0)}")
        print(f"Thrown at v0 = {wall_v[0].tolist()} it reaches the wall at x = 20 at height "
              f"{height_at_wall(wall_v[0], dt=dt):.4f}")
        print(f"  d y / d v0  s2sad:              {d_height_at_wall(wall_v[0], dt=dt)}")
        print(f"Largest relative error over {len(bounce_v) + len(wall_v)} velocities: "
              f"{max(fd_error, wall_error):.1e} against finite differences, "
              f"{exact_error:.1e} against the closed form")
    if show_source:
        print("\nThe reverse-mode code s2sad generated for landing_spot (and simulate):\n")
        print(s2sad.source(landing_spot, example_args=(v0,)))
    assert fd_error < 1e-6 and wall_error < 1e-6 and exact_error < 1e-6

    if figure is None:
        figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bouncing_ball.png")
    saved = plot(bounce_v[0], wall_v[0], figure) if figure else None
    if verbose and saved:
        print("  figure:", saved)
    return dict(fd_error=fd_error, exact_error=exact_error, wall_error=wall_error,
                bounce_v=bounce_v, wall_v=wall_v)


if __name__ == "__main__":
    main(show_source=True)
