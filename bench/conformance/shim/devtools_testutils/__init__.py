"""Stand-in for azure-sdk-for-python's `devtools_testutils` (not on the package registry):
the SDK's tests use only `get_credential()` and `is_live()` from it."""
