"""A simple pendulum: its energy and a loss on its period, in straight-line scalar code.

    s2sad show examples/pendulum.py:energy            # d energy / d theta, reverse mode
    s2sad show examples/pendulum.py:energy --wrt theta,omega
    s2sad show examples/pendulum.py:period_loss --mode forward
"""
import math

GRAVITY = 9.81


def energy(theta: float, omega: float, length: float = 1.0, mass: float = 1.0) -> float:
    """Total mechanical energy of a pendulum at angle `theta` and angular speed `omega`."""
    height = length * (1.0 - math.cos(theta))
    speed = length * omega
    kinetic = 0.5 * mass * speed * speed
    potential = mass * GRAVITY * height
    return kinetic + potential


def period_loss(length: float, measured: float) -> float:
    """Squared relative error between the small-angle period of a pendulum of this
    `length` and a `measured` period."""
    period = 2.0 * math.pi * math.sqrt(length / GRAVITY)
    error = (period - measured) / measured
    return error * error
