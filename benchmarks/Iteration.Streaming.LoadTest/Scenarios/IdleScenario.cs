using Iteration.Streaming.LoadTest.Charts;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// (1) Idle density: N open streams, each watching its own generation, nothing published. Measures the server's managed
/// heap and RSS per stream (after a full GC, generations created beforehand so their logs are not counted) and the time to
/// open. Each run gets a fresh server process, so RSS grows only by what the streams take (not reusing freed memory).
/// </summary>
internal static class IdleScenario
{
    public static async Task RunAsync(LoadTestContext context)
    {
        var sizes = context.Quick ? new[] { 1_000 } : [1_000, 5_000, 10_000];
        foreach (var size in sizes)
        {
            foreach (var system in context.Systems)
            {
                await RunOneAsync(context, $"idle {size / 1000}k streams", system, size);
            }
        }

        if (context.Options.Runs(Systems.Ours) && context.Options.MaxStreams > sizes[^1])
        {
            await RunOneAsync(context, $"idle max ({context.Options.MaxStreams:N0} streams)", Systems.Ours, context.Options.MaxStreams);
        }
    }

    /// <summary>Holds <paramref name="streams"/> idle streams over <paramref name="transport"/> on a fresh server process.</summary>
    public static async Task RunOneAsync(LoadTestContext context, string scenario, string system, int streams, Transport transport = Transport.Http11)
    {
        LoadTestContext.Log($"{scenario}: {Systems.Title(system)}");
        await using var server = await ServerProcess.StartAsync($"idle-{system}");

        // A few streams first, so one-time costs (JIT, first-use caches) are not counted per stream.
        var warmUp = await server.CreateAsync(system, 50);
        await using (var client = Transports.Client(transport, server, new ScenarioMetrics()))
        {
            await client.OpenAsync(system, warmUp);
        }

        var generations = await server.CreateAsync(system, streams);
        var before = await server.CollectAsync(system);
        var metrics = new ScenarioMetrics();
        await using (var client = Transports.Client(transport, server, metrics))
        {
            var opening = await client.OpenAsync(system, generations, timeout: TimeSpan.FromSeconds(120));
            var after = await server.CollectAsync(system);
            if (Environment.GetEnvironmentVariable("LOADTEST_HOLD_SECONDS") is { } hold)
            {
                // For attaching a profiler (dotnet-gcdump, dotnet-counters) to the server while the streams are open.
                LoadTestContext.Log($"  holding {hold} s; server process {server.ProcessId}");
                await Task.Delay(TimeSpan.FromSeconds(double.Parse(hold, System.Globalization.CultureInfo.InvariantCulture)));
            }

            var open = after.Subscribers;
            var heapPerStream = (double)(after.HeapBytes - before.HeapBytes) / Math.Max(1, open);
            var rssPerStream = (double)(after.RssBytes - before.RssBytes) / Math.Max(1, open);
            context.Table.Add(scenario, "streams held", system, open, higherIsBetter: true);
            context.Table.Add(scenario, "managed heap per stream (KB)", system, heapPerStream / 1024, higherIsBetter: false);
            context.Table.Add(scenario, "RSS per stream (KB)", system, rssPerStream / 1024, higherIsBetter: false);
            if (transport != Transport.Http11)
            {
                context.Table.Add(scenario, "TCP connections", system, client.ConnectionCount, higherIsBetter: false);
            }

            context.Table.Add(scenario, "open p99 (ms)", system, metrics.Open.PercentileMs(99), higherIsBetter: false);
            context.Charts.Add(new IdleSample(streams, transport == Transport.H2c ? "h2c" : "HTTP/1.1", system, heapPerStream / 1024, rssPerStream / 1024));
            context.Table.Add(scenario, "errors", system, metrics.Errors, higherIsBetter: false);
            LoadTestContext.Log($"  {system}: {open:N0} streams open in {opening.TotalSeconds:F1} s; heap {heapPerStream / 1024:F2} KB/stream, "
                + $"RSS {rssPerStream / 1024:F2} KB/stream, open p50 {metrics.Open.PercentileMs(50):F1} ms p99 {metrics.Open.PercentileMs(99):F1} ms; errors {metrics.Errors}"
                + (metrics.FirstError is null ? string.Empty : $" (first: {metrics.FirstError})"));
        }
    }
}
