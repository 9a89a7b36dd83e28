"""Test-suite settings: every IR built by the tests is checked by the verifier."""
import s2sad.compiler

s2sad.compiler.DEFAULT.verify = True
