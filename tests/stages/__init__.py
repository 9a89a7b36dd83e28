"""Unit tests of the compiler's stages, each on tiny inputs: lowering, kind inference,
activity analysis, forward and reverse mode, optimization and code generation.

The IR under test is built by hand from `s2sad.ir` records, or by lowering a tiny
function defined in the test file (`helpers.lowered`); derivatives are run through
codegen and the loader only where a test checks numbers.
"""
