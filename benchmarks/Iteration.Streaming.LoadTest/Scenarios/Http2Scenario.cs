using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// (6) h2: browsers speak HTTP/2 (over TLS), where many streams share one connection. The same idle and burst
/// measurements over h2c (HTTP/2 without TLS, prior knowledge; 100 streams per connection, Kestrel's default limit) side
/// by side with HTTP/1.1 in the same run: idle memory per stream at 1k and 5k streams, and bursts to 1k watchers of one
/// generation. HTTP/2 streams are read through <see cref="HttpClient"/>, which costs the load generator more than the raw
/// sockets of the HTTP/1.1 rows: the bursts are therefore also run over HTTP/1.1 through the same <see cref="HttpClient"/>,
/// so protocol and client can be told apart. SignalR and naive are left out (their HTTP/1.1 figures are elsewhere).
/// </summary>
internal static class Http2Scenario
{
    private static readonly string[] Candidates = [Systems.Ours, Systems.Floor, Systems.Typed];

    public static async Task RunAsync(LoadTestContext context)
    {
        var systems = context.Systems.Where(Candidates.Contains).ToArray();
        var sizes = context.Quick ? new[] { 1_000 } : [1_000, 5_000];
        foreach (var size in sizes)
        {
            foreach (var system in systems)
            {
                foreach (var transport in new[] { Transport.Http11, Transport.H2c })
                {
                    await IdleScenario.RunOneAsync(context, $"h2: idle {size / 1000}k streams, {Transports.Title(transport)}", system, size, transport);
                }
            }
        }

        const int Watchers = 1_000;
        var burst = context.Quick ? 100 : 500;
        var bursts = context.Options.Bursts ?? (context.Quick ? 3 : 5);
        foreach (var system in systems)
        {
            foreach (var transport in new[] { Transport.Http11, Transport.H2c, Transport.Http11Client })
            {
                var scenario = $"h2: broadcast {Watchers / 1000}k watchers, burst of {burst}, {Transports.Title(transport)}";
                LoadTestContext.Log($"{scenario}: {Systems.Title(system)}");
                var generation = (await context.Server.CreateAsync(system, 1))[0];
                var metrics = new ScenarioMetrics();
                await using (var client = Transports.Client(transport, context.Server, metrics))
                {
                    await client.OpenAsync(system, Enumerable.Repeat(generation, Watchers).ToArray());
                    var open = client.Count - metrics.Errors;
                    if (transport != Transport.Http11)
                    {
                        context.Table.Add(scenario, "TCP connections", system, client.ConnectionCount, higherIsBetter: false);
                    }

                    await BroadcastScenario.MeasureBurstsAsync(context, scenario, Watchers, system, generation.Id, open, burst, bursts, metrics);
                }

                await context.EndAsync(system, [generation]);
            }
        }
    }
}
