using System.Net;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Xunit.Abstractions;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// One multiplexed stream over two Redis-backed instances: it follows runs owned by either, is cut at random points and
/// resumed with <c>Last-Event-ID</c> on the other instance, and survives an owner killed mid-run. Each member's events
/// must be exactly its own stream's events, byte for byte, once each and in order.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class WatchSetAcrossInstancesTests(RedisServerFixture server, ITestOutputHelper output)
{
    private const int PhasesPerRun = 4;

    [Fact]
    public async Task WatchSet_FiftyRunsOnTwoHosts_CutAtRandomAndResumedOnAlternatingHosts_EveryMemberEventOnceInOrder()
    {
        const int RunsOnB = 40;
        const int RunsOnA = 10;
        var generatorA = new ControlledPhaseGenerator();
        var generatorB = new ControlledPhaseGenerator();
        await using var cluster = await MultiplexCluster.StartAsync(server, generatorA, generatorB);
        var clientA = cluster.A.CreateClient();
        var clientB = cluster.B.CreateClient();
        var started = await Task.WhenAll(Enumerable.Range(0, RunsOnB + RunsOnA).Select(i => i < RunsOnB
            ? cluster.B.StartGenerationAsync(clientB, prompt: $"Run {i} on B")
            : cluster.A.StartGenerationAsync(clientA, prompt: $"Run {i} on A")));
        var ids = started.Select(s => s.GenerationId).ToList();
        var watch = await clientA.WatchAsync(started.Select(s => (s.GenerationId, (string?)s.SseToken)));
        using var credits = new SemaphoreSlim(20);
        var reader = new CuttingMultiplexReader([clientA, clientB], watch.StreamUrl(from: "start"), new Random(25)) { OnEvent = _ => credits.Release() };

        var driving = Task.WhenAll(
            new PacedRunDriver(generatorB, RunsOnB * PhasesPerRun, credits, new Random(2)).RunAsync(),
            new PacedRunDriver(generatorA, RunsOnA * PhasesPerRun, credits, new Random(1)).RunAsync());
        await reader.ReadUntilAsync(() => reader.AllEnded(ids));
        await driving.WithPatience();
        using var afterTheEnd = await clientB.OpenMultiplexAsync(watch.StreamUrl(), reader.Cursor);

        output.WriteLine($"{reader.Events.Values.Sum(e => e.Count)} events over {reader.Connections} connections, {reader.Cuts} cut by the reader");
        watch.Generations.Should().Equal(ids, "the answer names the set in the request's order");
        reader.Cuts.Should().BeGreaterThanOrEqualTo(50);
        reader.Cursor.Should().MatchRegex("^[!-~]+$", "the cursor is opaque ASCII without spaces");
        reader.Events.Keys.Should().BeEquivalentTo(ids, "every member, and nothing else, is on the stream");
        await ShouldEachBeItsOwnStreamAsync(reader, started, clientB);
        afterTheEnd.StatusCode.Should().Be(HttpStatusCode.NoContent, "every member's terminal event was delivered per the cursor");
    }

    [Fact]
    public async Task WatchSet_OwnerOfTenRunsKilledMidRun_TakenOverMembersGoOnInTheSameStreamWithContiguousIdsAndComplete()
    {
        const int RunsOnB = 10;
        const int RunsOnA = 2;
        var gated = new GatedPhaseGenerator();
        await using var cluster = await MultiplexCluster.StartAsync(server, generatorA: new InstantPhaseGenerator(), generatorB: gated);
        var c = await cluster.StartInstanceAsync("C");
        var clientA = cluster.A.CreateClient();
        var clientB = cluster.B.CreateClient();
        var clientC = c.CreateClient();
        var onB = await Task.WhenAll(Enumerable.Range(0, RunsOnB).Select(i => cluster.B.StartGenerationAsync(clientB, prompt: $"Run {i} on B")));
        var onA = await Task.WhenAll(Enumerable.Range(0, RunsOnA).Select(i => cluster.A.StartGenerationAsync(clientA, prompt: $"Run {i} on A")));
        var started = onB.Concat(onA).ToList();
        var ids = started.Select(s => s.GenerationId).ToList();
        var watch = await clientC.WatchAsync(started.Select(s => (s.GenerationId, (string?)s.SseToken)));
        var clients = new LiveClients { clientA, clientB, clientC };
        var reader = new CuttingMultiplexReader(clients, watch.StreamUrl(from: "start"), new Random(2525));

        // Every run on B is mid-run: its first file delivered, the phase waiting at the gate.
        await reader.ReadUntilAsync(() => onB.All(s => reader.Events.TryGetValue(s.GenerationId, out var events)
            && events.Any(e => Parse(e).Stage == GenerationStages.PhaseProgress(1))));
        var cutsBefore = reader.Cuts;
        clients.Remove(clientB);
        await cluster.CrashAsync(cluster.B);
        await reader.ReadUntilAsync(() => reader.AllEnded(ids));

        output.WriteLine($"{reader.Connections} connections, {reader.Cuts} cut by the reader ({cutsBefore} before the kill), {reader.Breaks} broken by the server side");
        reader.Cuts.Should().BeGreaterThan(cutsBefore, "the stream is cut after the kill too");
        reader.Events.Keys.Should().BeEquivalentTo(ids);
        await ShouldEachBeItsOwnStreamAsync(reader, started, clientC);
        onB.Should().AllSatisfy(s => reader.Events[s.GenerationId].Select(Parse).Select(e => e.Stage).Should().Contain(GenerationStages.Resumed, "the run was taken over"));
        ids.Should().AllSatisfy(id => Parse(reader.Events[id][^1]).Status.Should().Be(GenerationStatus.Completed));
    }

    private static StreamingProgressEvent Parse(string data) =>
        JsonSerializer.Deserialize(data, IterationStreamingJson.StreamingProgressEvent)!;

    /// <summary>Each member's events on the multiplexed stream are, byte for byte, its own stream's from id 1 on.</summary>
    private static async Task ShouldEachBeItsOwnStreamAsync(CuttingMultiplexReader reader, IEnumerable<GenerationStartedResponse> started, HttpClient client)
    {
        foreach (var generation in started)
        {
            using var single = await client.GetStreamAsync(generation.GenerationId, generation.SseToken).WithPatience();
            var own = await single.ReadAllEventsAsync().WithPatience();
            own.ShouldBeContiguousFromOne();
            reader.Events[generation.GenerationId].Should().Equal(own.Select(e => e.Data), $"generation {generation.GenerationId} gets its own events once each, in order");
        }
    }
}
