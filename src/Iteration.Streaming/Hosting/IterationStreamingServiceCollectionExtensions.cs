using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
    /// the in-memory event log and <see cref="TimeProvider.System"/> unless others are registered. Calling it again adds
    /// nothing twice.
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IterationStreamingOptions>, IterationStreamingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IGenerationEventLog, InMemoryGenerationEventLog>();
        services.TryAddSingleton<IStreamTokenService, StreamTokenService>();
    }
}
