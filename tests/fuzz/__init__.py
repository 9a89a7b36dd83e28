"""Differential testing of s2sad on random programs.

* `grammar`: a generator of random programs as Python source text, driven by a
  `Chooser` (hypothesis data or a seeded `random.Random`);
* `strategies`: the hypothesis strategies (`programs()`, `cases()`);
* `oracles`: run a program at a point and check s2sad against f itself, finite
  differences, the other mode (dot-product test) and the input dtypes;
* `second_order`: the higher-order oracles: `hvp` against finite differences of
  `grad`, Hessian symmetry, agreement of grad(grad(f)), jacobian(grad(f)),
  jvp(grad(f)), hvp and hessian, and a third-order check; an S2SADError there is a
  refusal (counted apart), anything else a failure;
* `shrink`: reduce a failing program statement by statement;
* `corpus`: save failing programs to tests/fuzz_corpus/ and run the saved ones;
* `hostile`: the hostile profile of the grammar (names like s2sad's generated ones
  and builtins, decorators, partials, callable objects, shape-changing loop values,
  comprehensions, raise/assert, module globals) and `raising`: its oracles (an
  S2SADError is a refusal; where f raises, every derivative must raise the same);
* `run_long`: the long run, `python -m tests.fuzz.run_long --programs 10000
  [--second-order] [--hostile [--with-refused]]`.
"""
