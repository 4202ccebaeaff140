using System.ComponentModel.DataAnnotations;

namespace NarrativeMonitor.ServiceDefaults;

public enum StorageProvider
{
    /// <summary>Process memory: embedded mode and tests. Lost on exit; not shared between replicas.</summary>
    InMemory,
    /// <summary>Redis: durable (with AOF) and shared by every replica.</summary>
    Redis,
}

public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public StorageProvider Provider { get; set; } = StorageProvider.Redis;

    /// <summary>StackExchange.Redis configuration string, e.g. "localhost:6379,abortConnect=false".</summary>
    [Required]
    public string RedisConnection { get; set; } = "localhost:6379";

    /// <summary>Prefix of every key, so several deployments (or test runs) can share one Redis.</summary>
    [Required, RegularExpression("^[A-Za-z0-9_.:-]{1,64}$")]
    public string KeyPrefix { get; set; } = "nm:";
}
