"""Helpers of the scipy.stats rules (s2sad/rules/scipy_stats.py).

SciPy is imported when a helper is first called.  `gammaln` is the one special
function a stats term needs as a value (Student's t density in t.cdf's partials);
`mvn_cov` and `dirichlet_alpha` check, when the derivative runs, that a call is one
the rules cover, and raise NonDifferentiableError (naming what to do instead) if not.
"""
import numpy as np

from ..errors import NonDifferentiableError
from .linalg import sym_from_triangle


def gammaln(x):
    """scipy.special.gammaln(x) (a Python float for a Python number)."""
    from scipy import special
    out = special.gammaln(x)
    return float(out) if isinstance(x, (int, float)) else out


def mvn_cov(x, mean, cov, allow_singular=False):
    """The covariance multivariate_normal.logpdf(x, mean, cov) uses: the symmetric
    matrix of cov's lower triangle (SciPy reads only that).  Linear in cov.  Refuses
    what the rule does not cover: no mean, a scalar or diagonal cov, a singular one,
    and x other than one point (d,) or rows of points (n, d)."""
    problem = None
    if allow_singular:
        problem = "allow_singular=True (a pseudo-inverse) is not differentiated"
    elif mean is None:
        problem = "mean is not given: pass it (np.zeros(d) for a zero mean)"
    elif np.ndim(cov) != 2 or np.ndim(mean) != 1 or \
            np.shape(cov) != (np.shape(mean)[0],) * 2:
        problem = (f"mean of shape {np.shape(mean)} and cov of shape {np.shape(cov)}: pass a "
                   "mean of shape (d,) and a full covariance matrix of shape (d, d)")
    elif np.ndim(x) not in (1, 2) or np.shape(x)[-1] != np.shape(mean)[0]:
        problem = (f"x of shape {np.shape(x)}: pass one point of shape (d,) or points as "
                   "rows (n, d), d the length of mean")
    if problem:
        raise NonDifferentiableError("derivative of scipy.stats.multivariate_normal: "
                                     + problem)
    return sym_from_triangle(cov, "L")


def dirichlet_alpha(x, alpha):
    """`alpha` itself, once x is known to hold all k components of each point ((k,) or
    (k, n), k = len(alpha)); SciPy also accepts k - 1 of them, which is refused."""
    if np.ndim(alpha) != 1 or np.ndim(x) not in (1, 2) or \
            np.shape(x)[0] != np.shape(alpha)[0]:
        raise NonDifferentiableError(
            f"derivative of scipy.stats.dirichlet with x of shape {np.shape(x)} and alpha of "
            f"shape {np.shape(alpha)}: pass all k components of x (shape (k,) or (k, n)) "
            "for alpha of shape (k,)")
    return alpha
