"""The bad-input catalogue: what s2sad does with everything it cannot (or can only
partly) differentiate, one file per concern.

The policy: a construct visible in the syntax is refused at transform time, a fact
about values (dtype, shape, the output) at call time.  Every refusal is an
`S2SADError` whose message names the user's file and line, the construct, and a fix;
never a bare KeyError/AttributeError/TypeError from inside the compiler, and never a
silently wrong answer.  Where s2sad supports the input, the test checks the answer.

The functions under test are defined in the test files; the offending line of each
one carries a `# <-` marker, so the expected line numbers follow edits of the files.
"""
