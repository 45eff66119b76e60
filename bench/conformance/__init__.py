"""The SDK's own test suite as the referee of the local emulator's fidelity.

`python -m bench.conformance` downloads the source distribution of the installed
azure-cosmos version (cached), extracts its `tests/`, and runs a listed set of
test files against a fresh local emulator over https, one file at a time. The
SDK's test code is never copied into this repository: only the shims the suite
needs to run outside Microsoft's pipeline (`shim/devtools_testutils`, marker
registration in `plugin.py`) and the expected-failures list (`expected.toml`,
each entry with its reason) live here.
"""
