"""A simple pendulum: energy and a small loss, in straight-line scalar code.

    s2sad show examples/pendulum.py:energy            # d energy / d theta, reverse mode
    s2sad show examples/pendulum.py:energy --wrt theta,omega
    s2sad show examples/pendulum.py:loss --mode forward
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


def loss(theta: float, omega: float, target: float) -> float:
    """Squared relative error between the pendulum's energy and a target energy."""
    e = energy(theta, omega)
    error = (e - target) / target
    return error * error
