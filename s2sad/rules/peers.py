"""What autograd and JAX differentiate, namespace by namespace: the data behind the
coverage section of docs/rules.md (`coverage.py` builds the table from it).

Names only, compiled by hand from the peers' public API lists: autograd's
`numpy_vjps.py`, `numpy_jvps.py`, `numpy_wrapper.py`, `linalg.py`, `fft.py` and
`scipy/` modules (`NOGRAD`: functions it declares to have a zero derivative), and the
names `jax.numpy`, `jax.numpy.linalg`, `jax.numpy.fft` and `jax.scipy` export.  A
distribution's functions are written `dist.method` (`norm.logpdf`).  Names the
installed library lacks (removed aliases such as `msort`) are left out of the table.
Neither peer differentiates Python's `math` functions (they need a float, not a traced
value), so `math` has no entries.
"""
from __future__ import annotations


def _names(text: str) -> frozenset:
    return frozenset(text.split())


def _dists(text: str) -> frozenset:
    """`dist: method method ...` lines -> {"dist.method", ...}."""
    out = set()
    for line in text.strip().splitlines():
        dist, methods = line.split(":")
        out |= {f"{dist.strip()}.{m}" for m in methods.split()}
    return frozenset(out)


AUTOGRAD = {
    "numpy": _names("""
        abs absolute add amax amin angle append arccos arccosh arcsin arcsinh arctan
        arctan2 arctanh array array_split atleast_1d atleast_2d atleast_3d broadcast_to
        column_stack concatenate conj conjugate cos cosh cross cumsum deg2rad degrees
        diag diagonal diff divide dot dsplit einsum exp exp2 expand_dims expm1 fabs
        fliplr flipud fmax fmin full gradient hsplit hstack imag inner kron linspace log
        log10 log1p log2 logaddexp logaddexp2 matmul max maximum mean min minimum mod
        moveaxis msort multiply nan_to_num negative outer pad partition power prod
        rad2deg radians ravel real real_if_close reciprocal remainder repeat reshape
        roll rollaxis rot90 row_stack select sin sinc sinh sort split sqrt square
        squeeze stack std subtract sum swapaxes tan tanh tensordot tile trace transpose
        tril triu true_divide var vsplit vstack where
    """),
    "numpy.linalg": _names("cholesky det eig eigh inv norm pinv slogdet solve svd"),
    "numpy.fft": _names("""
        fft fft2 fftn fftshift ifft ifft2 ifftn ifftshift irfft irfft2 irfftn rfft rfft2
        rfftn
    """),
    "scipy.special": _names("""
        beta betainc betaln digamma erf erfc erfcinv erfinv expit gamma gammainc
        gammaincc gammaln gammasgn i0 i1 iv ive j0 j1 jn logit logsumexp multigammaln
        polygamma psi rgamma y0 y1 yn
    """),
    "scipy.stats": _dists("""
        beta: cdf logpdf pdf
        chi2: cdf logpdf pdf
        dirichlet: logpdf pdf
        gamma: cdf logpdf pdf
        multivariate_normal: entropy logpdf pdf
        norm: cdf logcdf logpdf logsf pdf sf
        poisson: cdf logpmf pmf
        t: cdf logcdf logpdf pdf
    """),
    "scipy.linalg": _names("solve_banded solve_sylvester solve_triangular sqrtm"),
    "math": frozenset(),
}

# Functions autograd declares non-differentiable (derivative zero).
AUTOGRAD_NOGRAD = {
    "numpy": _names("""
        all allclose any argmax argmin argpartition argsort argwhere around array_equal
        array_equiv ceil count_nonzero equal fix flatnonzero floor floor_divide greater
        greater_equal iscomplex iscomplexobj isclose isfinite isinf isnan isneginf
        isposinf isreal isscalar less less_equal logical_and logical_not logical_or
        logical_xor ndim nonzero not_equal ones_like result_type rint round searchsorted
        shape sign size trunc zeros_like
    """),
}

JAX = {
    "numpy": _names("""
        abs absolute acos acosh add all allclose amax amin angle any append
        apply_along_axis apply_over_axes arange arccos arccosh arcsin arcsinh arctan
        arctan2 arctanh argmax argmin argpartition argsort argwhere around array
        array_equal array_equiv array_split asarray asin asinh astype atan atan2 atanh
        atleast_1d atleast_2d atleast_3d average bartlett bincount bitwise_and
        bitwise_count bitwise_invert bitwise_left_shift bitwise_not bitwise_or
        bitwise_right_shift bitwise_xor blackman block broadcast_arrays broadcast_shapes
        broadcast_to can_cast cbrt ceil choose clip column_stack compress concat
        concatenate conj conjugate convolve copy copysign corrcoef correlate cos cosh
        count_nonzero cov cross cumprod cumsum cumulative_prod cumulative_sum deg2rad
        degrees delete diag diag_indices diag_indices_from diagflat diagonal diff
        digitize divide divmod dot dsplit dstack ediff1d einsum empty empty_like equal
        exp exp2 expand_dims expm1 extract eye fabs fill_diagonal fix flatnonzero flip
        fliplr flipud float_power floor floor_divide fmax fmin fmod frexp fromfunction
        full full_like gcd geomspace gradient greater greater_equal hamming hanning
        heaviside histogram histogram2d histogram_bin_edges histogramdd hsplit hstack
        hypot i0 identity imag indices inner insert interp intersect1d invert isclose
        iscomplex iscomplexobj isfinite isin isinf isnan isneginf isposinf isreal
        isrealobj isscalar issubdtype ix_ kaiser kron lcm ldexp left_shift less
        less_equal lexsort linspace log log10 log1p log2 logaddexp logaddexp2
        logical_and logical_not logical_or logical_xor logspace mask_indices matmul
        matrix_transpose matvec max maximum mean median meshgrid min minimum mod modf
        moveaxis multiply nan_to_num nanargmax nanargmin nancumprod nancumsum nanmax
        nanmean nanmedian nanmin nanpercentile nanprod nanquantile nanstd nansum nanvar
        ndim negative nextafter nonzero not_equal ones ones_like outer packbits pad
        partition percentile permute_dims piecewise place poly polyadd polyder polydiv
        polyfit polyint polymul polysub polyval positive pow power prod promote_types
        ptp put put_along_axis quantile rad2deg radians ravel ravel_multi_index real
        reciprocal remainder repeat reshape resize result_type right_shift rint roll
        rollaxis roots rot90 round searchsorted select setdiff1d setxor1d shape sign
        signbit sin sinc sinh size sort sort_complex spacing split sqrt square squeeze
        stack std subtract sum swapaxes take take_along_axis tan tanh tensordot tile
        trace transpose trapezoid tri tril tril_indices tril_indices_from trim_zeros
        triu triu_indices triu_indices_from true_divide trunc union1d unique unique_all
        unique_counts unique_inverse unique_values unpackbits unravel_index unstack
        unwrap vander var vdot vecdot vecmat vectorize vsplit vstack where zeros
        zeros_like
    """),
    "numpy.linalg": _names("""
        cholesky cond cross det diagonal eig eigh eigvals eigvalsh inv lstsq matmul
        matrix_norm matrix_power matrix_rank matrix_transpose multi_dot norm outer pinv
        qr slogdet solve svd svdvals tensordot tensorinv tensorsolve trace vecdot
        vector_norm
    """),
    "numpy.fft": _names("""
        fft fft2 fftfreq fftn fftshift hfft ifft ifft2 ifftn ifftshift ihfft irfft
        irfft2 irfftn rfft rfft2 rfftfreq rfftn
    """),
    "scipy.special": _names("""
        bernoulli beta betainc betaln digamma entr erf erfc erfinv exp1 expi expit expn
        factorial fresnel gamma gammainc gammaincc gammaln gammasgn hyp1f1 hyp2f1 i0 i0e
        i1 i1e kl_div log_ndtr log_softmax logit logsumexp lpmn lpmn_values multigammaln
        ndtr ndtri poch polygamma rel_entr rgamma softmax spence sph_harm sph_harm_y
        xlog1py xlogy zeta
    """),
    "scipy.stats": _dists("""
        bernoulli: cdf logpmf pmf ppf
        beta: cdf logcdf logpdf logsf pdf sf
        betabinom: logpmf pmf
        binom: logpmf pmf
        cauchy: cdf isf logcdf logpdf logsf pdf ppf sf
        chi2: cdf logcdf logpdf logsf pdf sf
        dirichlet: logpdf pdf
        expon: cdf logcdf logpdf logsf pdf ppf sf
        gamma: cdf logcdf logpdf logsf pdf sf
        gennorm: cdf logpdf pdf
        geom: logpmf pmf
        gumbel_l: cdf logcdf logpdf logsf pdf ppf sf
        gumbel_r: cdf logcdf logpdf logsf pdf ppf sf
        laplace: cdf logpdf pdf
        logistic: cdf isf logpdf pdf ppf sf
        multinomial: logpmf pmf
        multivariate_normal: logpdf pdf
        nbinom: logpmf pmf
        norm: cdf isf logcdf logpdf logsf pdf ppf sf
        pareto: logpdf pdf
        poisson: cdf entropy logpmf pmf
        t: logpdf pdf
        truncnorm: cdf logcdf logpdf logsf pdf sf
        uniform: cdf logpdf pdf ppf
        vonmises: logpdf pdf
        wrapcauchy: logpdf pdf
    """) | _names("mode rankdata sem"),
    "scipy.linalg": _names("""
        block_diag cho_factor cho_solve cholesky det eigh eigh_tridiagonal expm
        expm_frechet funm hessenberg hilbert inv lu lu_factor lu_solve polar qr rsf2csf
        schur solve solve_triangular sqrtm svd toeplitz
    """),
    "math": frozenset(),
}

PEERS = (("autograd", AUTOGRAD), ("JAX", JAX))
