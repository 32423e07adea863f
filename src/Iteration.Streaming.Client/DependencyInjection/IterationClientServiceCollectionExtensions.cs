using Iteration.Streaming.Client;
using Iteration.Streaming.Client.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers <see cref="IterationClient"/> as a typed client of <see cref="System.Net.Http.IHttpClientFactory"/>.
/// </summary>
public static class IterationClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IterationClient"/> talking to the server at <paramref name="baseAddress"/>. The options are
    /// validated when the first client is created, and at start under a host.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="baseAddress">The server's root URL (absolute http or https).</param>
    /// <param name="configure">Configures the client options.</param>
    /// <returns>The HTTP client builder, to add handlers. Leave out resilience handlers with an overall timeout: a watch is long-lived.</returns>
    public static IHttpClientBuilder AddIterationClient(
        this IServiceCollection services,
        Uri baseAddress,
        Action<IterationClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (!baseAddress.IsAbsoluteUri || baseAddress.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The base address must be an absolute http or https URL, such as http://127.0.0.1:5000/, but was '{baseAddress}'.", nameof(baseAddress));
        }

        var options = services.AddOptions<IterationClientOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IterationClientOptions>, IterationClientOptionsValidator>());

        // The stream is long-lived: no overall timeout; WatchAsync has its own stall detection. The factory takes what the
        // client needs from the container (options, and a TimeProvider and logger when registered), so the client has no
        // constructor for the container alone.
        return services
            .AddHttpClient(typeof(IterationClient).Name, client =>
            {
                client.BaseAddress = baseAddress;
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddTypedClient((httpClient, provider) => new IterationClient(
                httpClient,
                provider.GetRequiredService<IOptions<IterationClientOptions>>().Value,
                provider.GetService<TimeProvider>(),
                provider.GetService<ILogger<IterationClient>>()));
    }
}
