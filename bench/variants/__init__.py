"""Design comparisons (`rubench compare`, `rubench compare-keys`): one workload against one
container per variant (key, indexing policy, throughput, consistency), measured side by side."""
