namespace NarrativeMonitor.Operations.Tests;

[CollectionDefinition(TestCollections.Servers)]
public sealed class ServersCollectionDefinition : ICollectionFixture<RedisFixture>, ICollectionFixture<RabbitMqFixture>;

[CollectionDefinition(TestCollections.Redis)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>;
