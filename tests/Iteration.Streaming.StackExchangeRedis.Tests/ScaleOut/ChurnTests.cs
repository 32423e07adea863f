using System.Diagnostics;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Xunit.Abstractions;

namespace Iteration.Streaming.StackExchangeRedis.Tests.ScaleOut;

/// <summary>Many runs over instances that crash, stop and come back: every run completes, and no watcher misses or repeats an id.</summary>
[Collection(RedisCollection.Name)]
public sealed class ChurnTests(RedisServerFixture server, ITestOutputHelper output)
{
    [Fact]
    public async Task TwoHundredRuns_OwnersKilledAndRestartedMidRun_AllCompleteWithContiguousIdsForEveryWatcher()
    {
        const int Runs = 200;
        var random = new Random(12);
        var generator = new GatedPhaseGenerator();
        var clock = Stopwatch.StartNew();
        await using var cluster = await ScaleOutCluster.StartAsync(
            server,
            generator,
            generator,
            configureRedis: o =>
            {
                o.LeaseDuration = TimeSpan.FromSeconds(1);
                o.LeaseRenewalInterval = TimeSpan.FromMilliseconds(100);
            },
            configureOptions: o => o.MaxConcurrentGenerations = Runs);
        var live = new List<(KestrelTestHost Host, HttpClient Client)> { (cluster.A, cluster.A.CreateClient()), (cluster.B, cluster.B.CreateClient()) };
        var clients = new LiveClients();
        live.ForEach(h => clients.Add(h.Client));

        var starts = await Task.WhenAll(Enumerable.Range(0, Runs).Select(i => live[i % 2].Host.StartGenerationAsync(live[i % 2].Client, prompt: $"Run {i}")));
        var reading = Task.WhenAll(starts.Select(s => ResumingReader.ReadToEndAsync(clients, s.GenerationId, s.SseToken)));

        var step = 0;
        while (!reading.IsCompleted)
        {
            await Eventually.TrueAsync(() => generator.Waiting > 0 || reading.IsCompleted);
            step++;
            if (step is 1 or 2 or 3 && live.Count > 0)
            {
                // A random owner goes away mid-run (a crash, or a graceful stop), and a fresh instance joins.
                var victim = live[random.Next(live.Count)];
                live.Remove(victim);
                clients.Remove(victim.Client);
                if (step == 2)
                {
                    await cluster.StopGracefullyAsync(victim.Host);
                }
                else
                {
                    // A crash cuts its watchers' connections in the same instant as its Redis connection. Cut them
                    // first: otherwise a run of the victim that met the severed Redis in between would tell those
                    // watchers its storage-unavailable end, which no crashed process ever sends.
                    victim.Client.Dispose();
                    await cluster.CrashAsync(victim.Host);
                }

                var joined = await cluster.StartInstanceAsync($"N{step}", generator);
                var client = joined.CreateClient();
                live.Add((joined, client));
                clients.Add(client);
            }

            generator.Open();
        }

        var results = await reading.WithPatience();
        output.WriteLine($"{Runs} runs, 3 owners lost (2 crashes, 1 graceful stop), {step} gate steps: {clock.Elapsed.TotalSeconds:0.0} s");

        starts.Select(s => s.GenerationId).Should().OnlyHaveUniqueItems();
        foreach (var failed in results.Where(r => r[^1].ToProgressEvent().Status != GenerationStatus.Completed).Take(3))
        {
            output.WriteLine(string.Join("\n", failed.Select(e => e.Data)));
        }

        results.Should().AllSatisfy(events =>
        {
            events.ShouldBeContiguousFromOne();
            events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
        });
        results.Count(events => events.Any(e => e.ToProgressEvent().Stage == GenerationStages.Resumed)).Should().BeGreaterThan(0, "the losses landed mid-run");
    }
}
