using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.Security.Tests;

[CollectionDefinition(TestCollections.Servers)]
public sealed class ServersCollectionDefinition : ICollectionFixture<RedisFixture>, ICollectionFixture<RabbitMqFixture>;
