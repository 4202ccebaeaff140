using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace NarrativeMonitor.ServiceDefaults;

public static class StorageExtensions
{
    /// <summary>
    /// Binds <see cref="StorageOptions"/> and, for the Redis provider, registers one shared connection and an
    /// <see cref="IDatabase"/> whose keys all carry <see cref="StorageOptions.KeyPrefix"/>. Safe to call more than once.
    /// </summary>
    public static StorageOptions AddStorage(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(StorageOptions.SectionName).Get<StorageOptions>() ?? new StorageOptions();
        if (builder.Services.Any(d => d.ServiceType == typeof(StorageMarker)))
        {
            return options;
        }

        builder.Services.AddSingleton<StorageMarker>();
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        if (options.Provider == StorageProvider.Redis)
        {
            builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
            {
                var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
                var configuration = ConfigurationOptions.Parse(storage.RedisConnection);
                configuration.AbortOnConnectFail = false;
                return ConnectionMultiplexer.Connect(configuration);
            });
            builder.Services.AddSingleton(sp =>
            {
                var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
                return sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase().WithKeyPrefix(storage.KeyPrefix);
            });
            builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        }

        return options;
    }

    /// <summary>Registers <typeparamref name="TService"/> with the implementation that matches the configured provider.</summary>
    public static IHostApplicationBuilder AddStore<TService, TInMemory, TRedis>(this IHostApplicationBuilder builder)
        where TService : class
        where TInMemory : class, TService
        where TRedis : class, TService
    {
        var options = builder.AddStorage();
        if (options.Provider == StorageProvider.Redis)
        {
            builder.Services.AddSingleton<TService, TRedis>();
        }
        else
        {
            builder.Services.AddSingleton<TService, TInMemory>();
        }

        return builder;
    }

    private sealed class StorageMarker;

    private sealed class RedisHealthCheck(IConnectionMultiplexer connection) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:F1} ms");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("Redis does not answer", ex);
            }
        }
    }
}
