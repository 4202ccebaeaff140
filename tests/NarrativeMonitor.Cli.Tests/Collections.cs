namespace NarrativeMonitor.Cli.Tests;

[CollectionDefinition(TestCollections.Servers)]
public sealed class ServersCollectionDefinition : ICollectionFixture<RedisFixture>, ICollectionFixture<RabbitMqFixture>;
