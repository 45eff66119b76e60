"""`rubench advise`: an indexing policy for a run's workload, from what its queries use
and what the target said about their indexes (docs/indexing-advice.md)."""
