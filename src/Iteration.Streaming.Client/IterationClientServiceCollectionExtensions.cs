using Iteration.Streaming.Client;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers <see cref="IterationClient"/> as a typed client of <see cref="System.Net.Http.IHttpClientFactory"/>.
/// </summary>
public static class IterationClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IterationClient"/> talking to the server at <paramref name="baseAddress"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="baseAddress">The server's root URL.</param>
    /// <param name="configure">Configures the client options.</param>
    /// <returns>The HTTP client builder, to add handlers or resilience.</returns>
    public static IHttpClientBuilder AddIterationClient(
        this IServiceCollection services,
        Uri baseAddress,
        Action<IterationClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (!baseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException($"The base address must be absolute, such as http://127.0.0.1:5000/, but was '{baseAddress}'.", nameof(baseAddress));
        }

        var options = services.AddOptions<IterationClientOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(
            static o =>
            {
                o.Validate();
                return true;
            });

        // The stream is long-lived: no overall timeout; WatchAsync has its own stall detection.
        return services.AddHttpClient<IterationClient>(client =>
        {
            client.BaseAddress = baseAddress;
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
    }
}
