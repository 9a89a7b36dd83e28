"""Draws of a generator object, `rs.normal(loc, scale)` of a `np.random.RandomState`
or `np.random.Generator`: the primitives resolve.py calls in their place.  Their rules
(rules/constructors.py) are the pathwise derivatives of the draw made, written with
the draw itself (`ans`), so no second draw is ever taken."""
from __future__ import annotations


def generator_normal(generator, loc=0.0, scale=1.0, size=None):
    return generator.normal(loc, scale, size)


def generator_laplace(generator, loc=0.0, scale=1.0, size=None):
    return generator.laplace(loc, scale, size)


def generator_logistic(generator, loc=0.0, scale=1.0, size=None):
    return generator.logistic(loc, scale, size)


def generator_gumbel(generator, loc=0.0, scale=1.0, size=None):
    return generator.gumbel(loc, scale, size)


def generator_uniform(generator, low=0.0, high=1.0, size=None):
    return generator.uniform(low, high, size)


def generator_exponential(generator, scale=1.0, size=None):
    return generator.exponential(scale, size)


def generator_lognormal(generator, mean=0.0, sigma=1.0, size=None):
    return generator.lognormal(mean, sigma, size)
