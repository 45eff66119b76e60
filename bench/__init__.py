"""rubench: load testing and RU-cost benchmarking for Azure Cosmos DB for NoSQL."""

__version__ = "0.1.0"
