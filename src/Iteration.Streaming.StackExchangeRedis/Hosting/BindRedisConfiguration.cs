using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.StackExchangeRedis.Hosting;

/// <summary>
/// Binds <see cref="IterationStreamingRedisOptions"/> from configuration when the container has one, through the
/// configuration binder's source generator: <c>IterationStreaming:Redis</c> itself may hold the connection string
/// (<c>--IterationStreaming:Redis=localhost:6379</c>), and its children the other settings
/// (<c>IterationStreaming:Redis:LeaseDuration=00:00:10</c>). Code passed to <c>AddStackExchangeRedis</c> runs after, so it wins.
/// </summary>
internal sealed class BindRedisConfiguration(IServiceProvider services) : IConfigureOptions<IterationStreamingRedisOptions>
{
    public const string SectionName = IterationStreamingOptions.SectionName + ":Redis";

    public void Configure(IterationStreamingRedisOptions options)
    {
        if (services.GetService<IConfiguration>()?.GetSection(SectionName) is not { } section)
        {
            return;
        }

        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            options.Configuration = section.Value;
        }

        // A value that does not convert fails with the binder's InvalidOperationException naming the key and the type.
        // Connection (an IConnectionMultiplexer) is set in code only: the generator skips it (SYSLIB1100/1101, see the csproj).
        section.Bind(options);
    }
}
