using Iteration.Streaming.Budgets;
using Iteration.Streaming.Checkpoints;
using System.Diagnostics.Metrics;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Idempotency;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using Iteration.Streaming.Retention;
using Iteration.Streaming.Runs;
using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers Iteration.Streaming in a service collection.
/// </summary>
public static class IterationStreamingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Iteration.Streaming core: options (bound from the <c>IterationStreaming</c> configuration section
    /// when an <see cref="IConfiguration"/> is registered, then <paramref name="configure"/>, validated at start),
    /// the in-memory event log, the engine (<see cref="IIterationEngine"/>) with the default phase planner, quality
    /// assessor and A/B selector, the file-system sink under <see cref="IterationStreamingOptions.FileSinkRoot"/> and
    /// <see cref="TimeProvider.System"/>, each unless another is registered. Calling it again adds nothing twice.
    /// Add your generator with <see cref="IterationStreamingBuilderExtensions.AddPhaseGenerator{TGenerator}"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options after configuration binding.</param>
    /// <returns>A builder that other Iteration.Streaming packages extend.</returns>
    public static IIterationStreamingBuilder AddIterationStreaming(
        this IServiceCollection services,
        Action<IterationStreamingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (!services.Any(static d => d.ServiceType == typeof(IterationStreamingMarker)))
        {
            AddCore(services);
        }

        // After the configuration binder, so code wins over configuration.
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return new IterationStreamingBuilder(services);
    }

    private static void AddCore(IServiceCollection services)
    {
        services.AddSingleton<IterationStreamingMarker>();
        services.AddOptionsWithValidateOnStart<IterationStreamingOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<IterationStreamingOptions>, BindIterationStreamingConfiguration>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<IterationStreamingOptions>, ReadSigningKeyFile>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IterationStreamingOptions>, IterationStreamingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IterationStreamingOptions>, IterationStreamingOptionsCustomValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGenerationEventLog, InMemoryGenerationEventLog>();
        services.TryAddSingleton<IStreamTokenService, StreamTokenService>();
        services.TryAddSingleton<WatchTokens>();
        services.TryAddSingleton<OwnerStarts>();

        services.AddOptionsWithValidateOnStart<GenerationModeOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<GenerationModeOptions>, BindGenerationModeConfiguration>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GenerationModeOptions>, GenerationModeOptionsValidator>());
        services.TryAddSingleton<IFileSink>(static sp => new FileSystemFileSink(
            sp.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<FileSystemFileSink>>()));
        services.TryAddSingleton<IPhasePlanner, DefaultPhasePlanner>();
        services.TryAddSingleton<IQualityAssessor, DefaultQualityAssessor>();
        services.TryAddSingleton<IGenerationModeSelector, DefaultGenerationModeSelector>();
        services.TryAddSingleton<IGenerationRecordStore, InMemoryGenerationRecordStore>();
        services.TryAddSingleton<IIdempotencyStore, InMemoryIdempotencyStore>();
        services.TryAddSingleton<IPhaseCheckpointStore, InMemoryPhaseCheckpointStore>();
        services.TryAddSingleton<IBudgetLedger, InMemoryBudgetLedger>();
        services.TryAddSingleton<IBudgetPolicy, OwnerBudgetPolicy>();
        services.TryAddSingleton<IRunCoordinator, LocalRunCoordinator>();
        services.TryAddSingleton<IGenerationIdGenerator, GuidGenerationIdGenerator>();
        services.TryAddSingleton<RunDurationHistory>();
        services.TryAddSingleton<IterationStreamingMessages>();
        services.TryAddSingleton<GenerationStorageHealth>();
        services.TryAddSingleton(static sp => new EngineMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<IIterationEngine, IterationEngine>();
        services.TryAddSingleton<GenerationRetention>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, IterationStreamingLifetime>());
    }
}
