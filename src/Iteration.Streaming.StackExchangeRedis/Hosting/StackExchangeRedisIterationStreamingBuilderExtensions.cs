using Iteration.Streaming.Budgets;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Records;
using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Budgets;
using Iteration.Streaming.StackExchangeRedis.Checkpoints;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Health;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Idempotency;
using Iteration.Streaming.StackExchangeRedis.Ownership;
using Iteration.Streaming.StackExchangeRedis.Records;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Moves Iteration.Streaming's event log to Redis Streams, so many app instances share it without sticky sessions.
/// </summary>
public static class StackExchangeRedisIterationStreamingBuilderExtensions
{
    /// <summary>
    /// Keeps the event log in Redis, connecting with <paramref name="configuration"/>. Replaces the in-memory event log,
    /// record store, budget ledger and phase checkpoint store, and registers <see cref="RedisBackplaneHealthCheck"/>. Options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="configuration">A StackExchange.Redis configuration string, for example <c>localhost:6379</c>.</param>
    /// <param name="configure">Configures the Redis options.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddStackExchangeRedis(
        this IIterationStreamingBuilder builder,
        string configuration,
        Action<IterationStreamingRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        return AddCore(builder, options =>
        {
            options.Configuration = configuration;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Keeps the event log in Redis over an existing connection, which the host keeps owning (it is never disposed here).
    /// The tail reader opens one more connection of its own with the same configuration, for its blocking reads.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="connection">The connection to use.</param>
    /// <param name="configure">Configures the Redis options.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddStackExchangeRedis(
        this IIterationStreamingBuilder builder,
        IConnectionMultiplexer connection,
        Action<IterationStreamingRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connection);
        return AddCore(builder, options =>
        {
            options.Connection = connection;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Keeps the event log in Redis, with every setting (including <see cref="IterationStreamingRedisOptions.Configuration"/>)
    /// given by <paramref name="configure"/>, for example bound from configuration.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="configure">Configures the Redis options.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddStackExchangeRedis(
        this IIterationStreamingBuilder builder,
        Action<IterationStreamingRedisOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(builder, configure);
    }

    private static IIterationStreamingBuilder AddCore(IIterationStreamingBuilder builder, Action<IterationStreamingRedisOptions> configure)
    {
        var services = builder.Services;
        if (!services.Any(static d => d.ServiceType == typeof(RedisConnection)))
        {
            services.AddOptionsWithValidateOnStart<IterationStreamingRedisOptions>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<IterationStreamingRedisOptions>, BindRedisConfiguration>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IterationStreamingRedisOptions>, IterationStreamingRedisOptionsValidator>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IterationStreamingOptions>, RedisSigningKeyValidator>());
            services.AddSingleton<RedisConnection>();
            services.TryAddSingleton<RedisScriptGateway>();
            services.TryAddSingleton<OwnedRecordCopies>();
            services.TryAddSingleton<RedisGenerationRecordStore>();
            services.TryAddSingleton<GenerationJournals>();
            services.TryAddSingleton<OutageBuffer>();
            services.TryAddSingleton<RedisAppender>();
            services.TryAddSingleton<RedisStreamTail>();
            services.TryAddSingleton<RedisGenerationEventLog>();
            services.TryAddSingleton<VanishedGenerationSweep>();
            services.TryAddSingleton<OwnedRuns>();
            services.TryAddSingleton<LeaseRenewal>();
            services.TryAddSingleton<RemoteCancel>();
            services.TryAddSingleton<RemoteInput>();
            services.TryAddSingleton<RunHandOver>();
            services.TryAddSingleton<RunTakeover>();
            services.TryAddSingleton<RedisRunCoordinator>();
            services.TryAddSingleton(static sp => new RedisBackplaneHealthCheck(
                sp.GetRequiredService<RedisConnection>(),
                sp.GetRequiredService<RedisStreamTail>(),
                sp.GetRequiredService<OutageBuffer>()));
        }

        // Later calls only add their settings, applied in order (after configuration binding: code wins).
        services.Configure(configure);

        // Using the backplane in any way (a stream, a start, a snapshot) starts the ownership rounds, so every instance
        // that serves generations also renews, and takes over runs whose owner went away.
        services.RemoveAll<IGenerationEventLog>();
        services.AddSingleton<IGenerationEventLog>(static sp => Started(sp, sp.GetRequiredService<RedisGenerationEventLog>()));
        services.RemoveAll<IGenerationRecordStore>();
        services.AddSingleton<IGenerationRecordStore>(static sp => Started(sp, sp.GetRequiredService<RedisGenerationRecordStore>()));
        services.RemoveAll<IRunCoordinator>();
        services.AddSingleton<IRunCoordinator>(static sp => Started(sp, sp.GetRequiredService<RedisRunCoordinator>()));
        services.RemoveAll<IIdempotencyStore>();
        services.AddSingleton<IIdempotencyStore>(static sp => new RedisIdempotencyStore(sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<TimeProvider>()));
        services.RemoveAll<IBudgetLedger>();
        services.AddSingleton<IBudgetLedger>(static sp => new RedisBudgetLedger(
            sp.GetRequiredService<RedisConnection>(), sp.GetRequiredService<RedisScriptGateway>(), sp.GetRequiredService<TimeProvider>()));
        services.RemoveAll<IPhaseCheckpointStore>();
        services.AddSingleton<IPhaseCheckpointStore>(static sp => new RedisPhaseCheckpointStore(sp.GetRequiredService<RedisScriptGateway>()));
        return builder;
    }

    private static T Started<T>(IServiceProvider services, T service)
    {
        services.GetRequiredService<RedisRunCoordinator>().Start();
        return service;
    }
}
