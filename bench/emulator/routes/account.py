"""`GET /` (the account: endpoints and consistency the SDK discovers) and the emulator's
own `GET /_emulator/metrics` (the ledger of what it charged)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bench.emulator.call import Call
from bench.emulator.replies import Reply, json_reply

if TYPE_CHECKING:
    from bench.emulator.gateway import Gateway

_QUERY_ENGINE_CONFIGURATION = json.dumps(
    {
        "maxSqlQueryInputLength": 262144,
        "maxJoinsPerSqlQuery": 5,
        "maxLogicalAndPerSqlQuery": 500,
        "maxLogicalOrPerSqlQuery": 500,
        "maxUdfRefPerSqlQuery": 10,
        "maxInExpressionItemsCount": 16000,
        "queryEngineConfiguration": {},
        "spatialMaxGeometryPointCount": 256,
        "sqlAllowNonFiniteNumbers": False,
        "sqlDisableOptimizationFlags": 0,
        "enableSpatialIndexing": True,
        "maxInMemorySortDocumentCount": 500,
        "maxQueryRequestTimeoutFraction": 0.9,
        "sqlAllowAggregateFunctions": True,
        "sqlAllowGroupByClause": True,
        "allowNewKeywords": True,
        "sqlAllowLike": True,
        "sqlAllowSubQuery": True,
        "sqlAllowScalarSubQuery": True,
        "sqlAllowTop": True,
    }
)


def read_account(gateway: Gateway, call: Call) -> Reply:
    # Advertise the endpoint the client used, so endpoint discovery keeps it unchanged.
    endpoint = f"{call.scheme}://{call.host}/"
    location = [{"name": "South Central US", "databaseAccountEndpoint": endpoint}]
    return json_reply(
        200,
        {
            "_self": "",
            "id": "localhost",
            "_rid": "localhost",
            "media": "//media/",
            "addresses": "//addresses/",
            "_dbs": "//dbs/",
            "writableLocations": location,
            "readableLocations": location,
            "enableMultipleWriteLocations": False,
            "enablePerPartitionFailoverBehavior": False,
            "userReplicationPolicy": {
                "asyncReplication": False,
                "minReplicaSetSize": 1,
                "maxReplicasetSize": 4,
            },
            "userConsistencyPolicy": {"defaultConsistencyLevel": gateway.default_consistency.value},
            "systemReplicationPolicy": {"minReplicaSetSize": 1, "maxReplicasetSize": 4},
            "readPolicy": {"primaryReadCoefficient": 1, "secondaryReadCoefficient": 1},
            "queryEngineConfiguration": _QUERY_ENGINE_CONFIGURATION,
        },
    )


def read_metrics(gateway: Gateway, call: Call) -> Reply:
    return json_reply(200, gateway.ledger.snapshot())
