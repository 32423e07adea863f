using Iteration.Streaming.Budgets;
using System.Diagnostics.CodeAnalysis;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Modes;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Plugs the host's parts into Iteration.Streaming: the generator, and optionally a planner, a quality assessor,
/// an A/B selector and the file sink. Each call replaces what was registered before.
/// </summary>
public static class IterationStreamingBuilderExtensions
{
    /// <summary>
    /// Registers the generator (the AI call) that yields each phase's files. It is resolved from a new scope per run,
    /// so it may depend on scoped services.
    /// </summary>
    /// <typeparam name="TGenerator">The generator.</typeparam>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddPhaseGenerator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TGenerator>(
        this IIterationStreamingBuilder builder)
        where TGenerator : class, IPhaseGenerator
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IPhaseGenerator>();
        builder.Services.AddScoped<IPhaseGenerator, TGenerator>();
        return builder;
    }

    /// <summary>Registers the generator through a factory, called once per run in the run's scope.</summary>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <param name="factory">Creates the generator.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddPhaseGenerator(this IIterationStreamingBuilder builder, Func<IServiceProvider, IPhaseGenerator> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.RemoveAll<IPhaseGenerator>();
        builder.Services.AddScoped(factory);
        return builder;
    }

    /// <summary>Replaces the default phase planner; resolved from each run's scope.</summary>
    /// <typeparam name="TPlanner">The planner.</typeparam>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddPhasePlanner<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TPlanner>(
        this IIterationStreamingBuilder builder)
        where TPlanner : class, IPhasePlanner
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IPhasePlanner>();
        builder.Services.AddScoped<IPhasePlanner, TPlanner>();
        return builder;
    }

    /// <summary>
    /// Registers the policy that admits starts by budget and settles them when they end (see
    /// <see cref="IBudgetPolicy"/>), replacing the default <see cref="OwnerBudgetPolicy"/>.
    /// </summary>
    /// <typeparam name="TPolicy">The policy type, created once per container.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IIterationStreamingBuilder AddBudgetPolicy<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TPolicy>(
        this IIterationStreamingBuilder builder)
        where TPolicy : class, IBudgetPolicy
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<IBudgetPolicy, TPolicy>());
        return builder;
    }

    /// <summary>Replaces the default quality assessor; resolved from each run's scope.</summary>
    /// <typeparam name="TAssessor">The assessor.</typeparam>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddQualityAssessor<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAssessor>(
        this IIterationStreamingBuilder builder)
        where TAssessor : class, IQualityAssessor
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IQualityAssessor>();
        builder.Services.AddScoped<IQualityAssessor, TAssessor>();
        return builder;
    }

    /// <summary>Replaces the default A/B selector (hash bucketing with <see cref="GenerationModeOptions"/>).</summary>
    /// <typeparam name="TSelector">The selector; a singleton.</typeparam>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddGenerationModeSelector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSelector>(
        this IIterationStreamingBuilder builder)
        where TSelector : class, IGenerationModeSelector
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IGenerationModeSelector>();
        builder.Services.AddSingleton<IGenerationModeSelector, TSelector>();
        return builder;
    }

    /// <summary>Configures the default A/B split, after binding from <c>IterationStreaming:GenerationModes</c>.</summary>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <param name="configure">Sets the split.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder ConfigureGenerationModes(this IIterationStreamingBuilder builder, Action<GenerationModeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>
    /// Saves files on the file system (the default): under <paramref name="root"/>, or
    /// <see cref="IterationStreamingOptions.FileSinkRoot"/> when it is <see langword="null"/>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <param name="root">The root folder; relative paths are resolved against the current directory.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddFileSystemSink(this IIterationStreamingBuilder builder, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (root is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(root);
        }

        builder.Services.RemoveAll<IFileSink>();
        builder.Services.AddSingleton<IFileSink>(sp => new FileSystemFileSink(
            sp.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<FileSystemFileSink>>(),
            root));
        return builder;
    }

    /// <summary>Keeps files in memory: for tests and demos; everything is lost when the process ends.</summary>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddInMemoryFileSink(this IIterationStreamingBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IFileSink>();
        builder.Services.AddSingleton<IFileSink, InMemoryFileSink>();
        return builder;
    }
}
