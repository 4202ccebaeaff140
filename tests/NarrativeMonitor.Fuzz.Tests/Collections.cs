using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.Fuzz.Tests;

[CollectionDefinition(TestCollections.Servers)]
public sealed class ServersCollectionDefinition : ICollectionFixture<RedisFixture>, ICollectionFixture<RabbitMqFixture>;
