using Iteration.Streaming.Budgets;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Budgets;
using Iteration.Streaming.Sqlite.Checkpoints;
using Iteration.Streaming.Sqlite.EventLog;
using Iteration.Streaming.Sqlite.Hosting;
using Iteration.Streaming.Sqlite.Idempotency;
using Iteration.Streaming.Sqlite.Records;
using Iteration.Streaming.Sqlite.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Keeps Iteration.Streaming's event logs and generation records in one SQLite file, so generations survive a restart.
/// </summary>
public static class SqliteIterationStreamingBuilderExtensions
{
    /// <summary>
    /// Keeps the event logs, the generation records, the budget ledger and the phase checkpoints in the SQLite file at
    /// <paramref name="path"/> (created, with its folder, when missing). Replaces the in-memory event log, record store,
    /// budget ledger and checkpoint store; the file is opened and checked when the host starts.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="path">The database file, for example <c>data/iteration-streaming.db</c>.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddSqliteStore(this IIterationStreamingBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return AddCore(builder, options => options.Path = path);
    }

    /// <summary>
    /// Keeps the event logs and the generation records in a SQLite file, with every setting (including
    /// <see cref="SqliteStoreOptions.Path"/>) given by <paramref name="configure"/> or bound from
    /// <c>IterationStreaming:Sqlite</c>.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="configure">Configures the store, after configuration binding.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddSqliteStore(this IIterationStreamingBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(builder, configure);
    }

    private static IIterationStreamingBuilder AddCore(IIterationStreamingBuilder builder, Action<SqliteStoreOptions> configure)
    {
        var services = builder.Services;
        if (!services.Any(static d => d.ServiceType == typeof(SqliteStore)))
        {
            services.AddOptionsWithValidateOnStart<SqliteStoreOptions>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<SqliteStoreOptions>, BindSqliteConfiguration>());
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStoreOptions>, SqliteStoreOptionsValidator>());
            services.AddSingleton(static sp => SqliteStore.Open(
                sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value,
                sp.GetService<ILoggerFactory>()));
            services.TryAddSingleton<SqliteGenerationEventLog>();
            services.TryAddSingleton(static sp => new SqliteGenerationRecordStore(
                sp.GetRequiredService<SqliteStore>(),
                sp.GetRequiredService<TimeProvider>()));
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteStoreStarter>());
        }

        // Later calls only add their settings, applied in order (after configuration binding: code wins).
        services.Configure(configure);

        services.RemoveAll<IGenerationEventLog>();
        services.AddSingleton<IGenerationEventLog>(static sp => sp.GetRequiredService<SqliteGenerationEventLog>());
        services.RemoveAll<IGenerationRecordStore>();
        services.AddSingleton<IGenerationRecordStore>(static sp => sp.GetRequiredService<SqliteGenerationRecordStore>());
        services.RemoveAll<IIdempotencyStore>();
        services.AddSingleton<IIdempotencyStore>(static sp => new SqliteIdempotencyStore(sp.GetRequiredService<SqliteStore>(), sp.GetRequiredService<TimeProvider>()));
        services.RemoveAll<IBudgetLedger>();
        services.AddSingleton<IBudgetLedger>(static sp => new SqliteBudgetLedger(sp.GetRequiredService<SqliteStore>(), sp.GetRequiredService<TimeProvider>()));
        services.RemoveAll<IPhaseCheckpointStore>();
        services.AddSingleton<IPhaseCheckpointStore>(static sp => new SqlitePhaseCheckpointStore(sp.GetRequiredService<SqliteStore>()));
        return builder;
    }
}
