using NarrativeMonitor.Testing;

namespace NarrativeMonitor.Alerts.Tests;

// xunit 2 only discovers collection definitions in the test assembly itself.
[CollectionDefinition(RedisCollection.Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>;
