"""`get_credential()`: the account key the conformance runner put in ACCOUNT_KEY; the suite
passes it to `CosmosClient` as its credential, as it would pass a token credential live."""

import os


def get_credential(is_async: bool = False, **_: object) -> str:
    return os.environ["ACCOUNT_KEY"]
