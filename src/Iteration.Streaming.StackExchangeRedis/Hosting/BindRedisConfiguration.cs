using System.Globalization;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.StackExchangeRedis.Hosting;

/// <summary>
/// Binds <see cref="IterationStreamingRedisOptions"/> from configuration when the container has one:
/// <c>IterationStreaming:Redis</c> itself may hold the connection string (<c>--IterationStreaming:Redis=localhost:6379</c>),
/// and its children the other settings (<c>IterationStreaming:Redis:LeaseDuration=00:00:10</c>). Code passed to
/// <c>AddStackExchangeRedis</c> runs after, so it wins.
/// </summary>
/// <remarks>Read key by key (no reflection binder): the options also hold a connection object that configuration cannot set.</remarks>
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

        if (section[nameof(options.Configuration)] is { } configuration)
        {
            options.Configuration = configuration;
        }

        options.KeyPrefix = section[nameof(options.KeyPrefix)] ?? options.KeyPrefix;
        options.InstanceName = section[nameof(options.InstanceName)] ?? options.InstanceName;
        options.BlockTimeout = Time(section, nameof(options.BlockTimeout)) ?? options.BlockTimeout;
        options.ReconnectDelay = Time(section, nameof(options.ReconnectDelay)) ?? options.ReconnectDelay;
        options.TailBatchSize = Number(section, nameof(options.TailBatchSize)) ?? options.TailBatchSize;
        options.ReplayBatchSize = Number(section, nameof(options.ReplayBatchSize)) ?? options.ReplayBatchSize;
        options.LocalWindowSize = Number(section, nameof(options.LocalWindowSize)) ?? options.LocalWindowSize;
        options.LeaseDuration = Time(section, nameof(options.LeaseDuration)) ?? options.LeaseDuration;
        options.LeaseRenewalInterval = Time(section, nameof(options.LeaseRenewalInterval)) ?? options.LeaseRenewalInterval;
        options.OutageTimeout = Time(section, nameof(options.OutageTimeout)) ?? options.OutageTimeout;
        options.MaxBufferedEvents = Number(section, nameof(options.MaxBufferedEvents)) ?? options.MaxBufferedEvents;
    }

    private static TimeSpan? Time(IConfigurationSection section, string key) => section[key] is not { } text
        ? null
        : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{SectionName}:{key} must be a time span such as 00:00:30, but was '{text}'.");

    private static int? Number(IConfigurationSection section, string key) => section[key] is not { } text
        ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{SectionName}:{key} must be a whole number, but was '{text}'.");
}
