"""Test-suite settings: every IR built by the tests is checked by the verifier."""
import s2sad.api

s2sad.api.VERIFY = True
