using Iteration.Streaming.AspNetCore.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Adds Iteration.Streaming's health checks to a host's <c>AddHealthChecks()</c>.
/// </summary>
public static class IterationStreamingHealthChecksBuilderExtensions
{
    /// <summary>The name of the check that the generation record store can write.</summary>
    public const string RecordStoreCheckName = "iteration-streaming-records";

    /// <summary>The name of the check that the file sink can save.</summary>
    public const string FileSinkCheckName = "iteration-streaming-files";

    /// <summary>
    /// Adds two checks that write: <see cref="RecordStoreCheckName"/> (the generation record store writes its probe; the
    /// SQLite store rewrites a header field of its file, other stores answer a lookup) and <see cref="FileSinkCheckName"/>
    /// (the file-system sink writes a 4 KB probe file in its folder; another sink answers a lookup). Each writes at most
    /// once per <see cref="Iteration.Streaming.Engine.GenerationStorageHealth.ProbeInterval"/> and answers from what it
    /// knows in between; each reports the failure status from a refused write (its probe's, or a run's or a start's that
    /// the engine reported) until a probe writes again. Calling it again adds nothing twice. The Redis backplane's own check comes with its package
    /// (<c>AddCheck&lt;RedisBackplaneHealthCheck&gt;("redis")</c>).
    /// </summary>
    /// <param name="builder">The builder from <c>services.AddHealthChecks()</c>.</param>
    /// <param name="failureStatus">The status a failing check reports. Default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags of both checks, to filter them in <c>MapHealthChecks</c> (for example <c>ready</c>).</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddIterationStreamingChecks(
        this IHealthChecksBuilder builder,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var tagList = tags?.ToArray() ?? [];
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            Add(options, new HealthCheckRegistration(RecordStoreCheckName, static sp => new RecordStoreHealthCheck(sp), failureStatus, tagList));
            Add(options, new HealthCheckRegistration(FileSinkCheckName, static sp => new FileSinkHealthCheck(sp), failureStatus, tagList));
        });
        return builder;
    }

    private static void Add(HealthCheckServiceOptions options, HealthCheckRegistration registration)
    {
        if (!options.Registrations.Any(r => string.Equals(r.Name, registration.Name, StringComparison.Ordinal)))
        {
            options.Registrations.Add(registration);
        }
    }
}
