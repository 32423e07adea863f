using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// A <see cref="ScaleOutCluster"/> set up for the multiplexed-stream tests, on every instance: an owner resolver reading
/// <see cref="OwnerBudgetRace.UserHeader"/> (no header, no owner) and options set after every other configuration (the
/// sample's appsettings.json, which this test project carries, sets budgets and limits of its own). Leases are short, so
/// a killed owner's runs are taken over in about a second.
/// </summary>
internal static class MultiplexCluster
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Starts A and B with the given generators (instant by default); <paramref name="options"/> runs last on each, and
    /// <paramref name="logLines"/> gets every log line of every instance as it is written (to await a logged event).
    /// </summary>
    public static Task<ScaleOutCluster> StartAsync(
        RedisServerFixture server,
        IPhaseGenerator? generatorA = null,
        IPhaseGenerator? generatorB = null,
        Action<IterationStreamingOptions>? options = null,
        Action<string>? logLines = null) =>
        ScaleOutCluster.StartAsync(
            server,
            generatorA,
            generatorB,
            configureRedis: o =>
            {
                o.LeaseDuration = Lease;
                o.LeaseRenewalInterval = TimeSpan.FromMilliseconds(100);
            },
            configureStreaming: streaming =>
            {
                streaming.AddGenerationOwnerResolver(c => ValueTask.FromResult(c.Request.Headers[OwnerBudgetRace.UserHeader].ToString() is { Length: > 0 } user ? user : null));
                streaming.Services.PostConfigure<IterationStreamingOptions>(o =>
                {
                    o.MaxConcurrentGenerations = 100;
                    o.Budgets.MaxPerGeneration = null;
                    o.Budgets.OwnerTokensPerDay = null;
                    o.Budgets.OwnerConcurrentGenerations = null;
                    options?.Invoke(o);
                });
                streaming.Services.PostConfigure<FakeLogCollectorOptions>(o => o.OutputSink = logLines);
            });
}
