using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.IntegrationTests;

[CollectionDefinition(TestCollections.Servers)]
public sealed class ServersCollectionDefinition : ICollectionFixture<RedisFixture>, ICollectionFixture<RabbitMqFixture>;
