"""A local emulator of the Azure Cosmos DB for NoSQL gateway, for the unmodified azure-cosmos SDK."""
