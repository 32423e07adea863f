using Iteration.Streaming.AI.Diagnostics;
using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.AI.Hosting;
using Iteration.Streaming.AI.Prompting;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Puts a model behind Iteration.Streaming: a phase generator over a Microsoft.Extensions.AI <see cref="IChatClient"/>.
/// Each call replaces the generator registered before; options from every call apply, in order.
/// </summary>
public static class ChatClientIterationStreamingBuilderExtensions
{
    /// <summary>
    /// Generates each phase's files with the <see cref="IChatClient"/> registered in the service collection (resolved in
    /// each run's scope). Options are validated when the host starts, including that an <see cref="IChatClient"/> is
    /// registered.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="configure">Configures the generator's options.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddChatClientGenerator(
        this IIterationStreamingBuilder builder,
        Action<ChatClientGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return AddCore(builder, ChatClientSource.Container(), configure);
    }

    /// <summary>
    /// Generates each phase's files with <paramref name="chatClient"/>, which the host keeps owning (it is never
    /// disposed here).
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="chatClient">The model's client.</param>
    /// <param name="configure">Configures the generator's options.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddChatClientGenerator(
        this IIterationStreamingBuilder builder,
        IChatClient chatClient,
        Action<ChatClientGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(chatClient);
        return AddCore(builder, ChatClientSource.Instance(chatClient), configure);
    }

    /// <summary>
    /// Generates each phase's files with the client <paramref name="chatClientFactory"/> returns, called once per run in
    /// the run's scope (for example <c>sp =&gt; sp.GetRequiredKeyedService&lt;IChatClient&gt;("code")</c>). What it returns
    /// is not disposed here.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="chatClientFactory">Returns the model's client.</param>
    /// <param name="configure">Configures the generator's options.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddChatClientGenerator(
        this IIterationStreamingBuilder builder,
        Func<IServiceProvider, IChatClient> chatClientFactory,
        Action<ChatClientGeneratorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(chatClientFactory);
        return AddCore(builder, ChatClientSource.Factory(chatClientFactory), configure);
    }

    private static IIterationStreamingBuilder AddCore(IIterationStreamingBuilder builder, ChatClientSource source, Action<ChatClientGeneratorOptions>? configure)
    {
        var services = builder.Services;
        services.AddOptionsWithValidateOnStart<ChatClientGeneratorOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatClientGeneratorOptions>, ChatClientGeneratorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.RemoveAll<ChatClientSource>();
        services.AddSingleton(source);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        return builder.AddPhaseGenerator(static sp => new ChatClientPhaseGenerator(
            sp.GetRequiredService<ChatClientSource>().Resolve(sp),
            new PhasePromptBuilder(sp.GetRequiredService<IFileSink>()),
            sp.GetRequiredService<IOptionsMonitor<ChatClientGeneratorOptions>>().CurrentValue,
            sp.GetRequiredService<TimeProvider>(),
            (ILogger?)sp.GetService<ILogger<ChatClientPhaseGenerator>>() ?? NullLogger.Instance));
    }
}
