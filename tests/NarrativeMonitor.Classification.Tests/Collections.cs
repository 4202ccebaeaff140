using NarrativeMonitor.Testing;

namespace NarrativeMonitor.Classification.Tests;

// xunit 2 only sees collection definitions in the test assembly itself.
[CollectionDefinition(RedisCollection.Name)]
public sealed class RedisCollectionDefinition : ICollectionFixture<RedisFixture>;
