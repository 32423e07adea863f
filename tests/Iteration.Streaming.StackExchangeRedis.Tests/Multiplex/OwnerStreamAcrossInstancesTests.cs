using System.Net;
using System.Text.Json;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// An owner's stream (<c>GET /generations/stream?owner=me</c>) on one instance picks up the generations the same user
/// starts on another (found in the shared records within <c>OwnerStreamRefreshInterval</c>), from their first event.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OwnerStreamAcrossInstancesTests(RedisServerFixture server)
{
    [Fact]
    public async Task OwnerStreamOnA_UserStartsAGenerationOnB_ItJoinsFromItsFirstEvent_AndAnotherUsersDoesNot()
    {
        var generatorB = new ControlledPhaseGenerator();
        await using var cluster = await MultiplexCluster.StartAsync(server, generatorB: generatorB, options: o => o.OwnerStreamRefreshInterval = TimeSpan.FromMilliseconds(100));
        using var stream = await cluster.A.CreateClient().OpenMultiplexAsync("generations/stream?owner=me", user: "alice");
        await using var items = stream.ReadMultiplexAsync().GetAsyncEnumerator();
        await items.ReadUntilAsync(i => i.Retry is not null);

        var bobs = await cluster.B.StartGenerationAsync(ClientOf(cluster.B, "bob"));
        var alices = await cluster.B.StartGenerationAsync(ClientOf(cluster.B, "alice"));
        var first = await items.ReadUntilAsync(i => i.IsEvent);
        var finishing = DriveAsync(generatorB, phases: 8);
        var received = new List<MultiplexItem> { first };
        received.Add(await items.ReadUntilAsync(i => i.IsEvent && Parse(i).GenerationId == alices.GenerationId && Parse(i).IsTerminal, received.Add));
        await finishing;
        var own = await ReadOwnStreamAsync(cluster.A, alices);

        stream.StatusCode.Should().Be(HttpStatusCode.OK);
        var events = received.Where(i => i.IsEvent).ToList();
        events.Select(e => Parse(e).GenerationId).Should().OnlyContain(id => id == alices.GenerationId, "bob's generation is not alice's");
        events.Select(e => e.Data).Should().Equal(own, "the generation joins from its first event and goes on once each, in order");
        events.Should().OnlyContain(e => !string.IsNullOrEmpty(e.Cursor));
        bobs.GenerationId.Should().NotBe(alices.GenerationId);
    }

    [Fact]
    public async Task OwnerStreamOnA_GenerationStartedOnBEndsBeforeTheNextRefresh_IsStillDeliveredWhole()
    {
        await using var cluster = await MultiplexCluster.StartAsync(server, options: o => o.OwnerStreamRefreshInterval = TimeSpan.FromSeconds(1));
        using var stream = await cluster.A.CreateClient().OpenMultiplexAsync("generations/stream?owner=me", user: "alice");
        await using var items = stream.ReadMultiplexAsync().GetAsyncEnumerator();
        await items.ReadUntilAsync(i => i.Retry is not null);

        var alices = await cluster.B.StartGenerationAsync(ClientOf(cluster.B, "alice"));
        var own = await ReadOwnStreamAsync(cluster.B, alices);
        var received = new List<MultiplexItem>();
        received.Add(await items.ReadUntilAsync(i => i.IsEvent && Parse(i).IsTerminal, received.Add));

        received.Where(i => i.IsEvent).Select(e => e.Data).Should().Equal(own, "a generation the owner started after connecting joins from its first event, even one that already ended");
    }

    [Fact]
    public async Task OwnerStream_CutAtRandomAndResumedOnAlternatingInstances_EachGenerationOnceInOrder_IncludingOnesStartedMeanwhile()
    {
        const int RunsPerInstance = 3;
        var generatorA = new ControlledPhaseGenerator();
        var generatorB = new ControlledPhaseGenerator();
        await using var cluster = await MultiplexCluster.StartAsync(server, generatorA, generatorB, o => o.OwnerStreamRefreshInterval = TimeSpan.FromMilliseconds(100));
        var early = await StartAsync(cluster, 0, RunsPerInstance);
        using var credits = new SemaphoreSlim(10);
        var reader = new CuttingMultiplexReader([cluster.A.CreateClient(), cluster.B.CreateClient()], "generations/stream?owner=me&from=start", new Random(7), user: "alice")
        {
            OnEvent = _ => credits.Release(),
        };
        var driving = Task.WhenAll(
            new PacedRunDriver(generatorA, 2 * RunsPerInstance * 4, credits, new Random(3)).RunAsync(),
            new PacedRunDriver(generatorB, 2 * RunsPerInstance * 4, credits, new Random(4)).RunAsync());

        await reader.ReadUntilAsync(() => early.All(s => reader.Events.TryGetValue(s.GenerationId, out var events) && events.Count >= 3));
        var late = await StartAsync(cluster, RunsPerInstance, RunsPerInstance);
        var started = early.Concat(late).ToList();
        await reader.ReadUntilAsync(() => reader.AllEnded(started.Select(s => s.GenerationId)));
        await driving.WithPatience();

        reader.Cuts.Should().BeGreaterThanOrEqualTo(20);
        reader.Events.Keys.Should().BeEquivalentTo(started.Select(s => s.GenerationId));
        foreach (var generation in started)
        {
            reader.Events[generation.GenerationId].Should().Equal(
                await ReadOwnStreamAsync(cluster.B, generation),
                "each of the owner's generations (live at connect, or started while the stream was cut and resumed) comes whole, once each, in order");
        }
    }

    [Fact]
    public async Task OwnerStreams_CapReachedOnA_AnotherOnAIs429WithRetryAfter_WhileBStillServesOne()
    {
        await using var cluster = await MultiplexCluster.StartAsync(server, options: o => o.MaxMultiplexedStreamsPerOwner = 2);
        var clientA = cluster.A.CreateClient();
        using var first = await clientA.OpenMultiplexAsync("generations/stream?owner=me", user: "alice");
        using var second = await clientA.OpenMultiplexAsync("generations/stream?owner=me", user: "alice");
        await using var firstItems = first.ReadMultiplexAsync().GetAsyncEnumerator();
        await using var secondItems = second.ReadMultiplexAsync().GetAsyncEnumerator();
        await firstItems.ReadUntilAsync(i => i.Retry is not null);
        await secondItems.ReadUntilAsync(i => i.Retry is not null);

        using var thirdOnA = await clientA.OpenMultiplexAsync("generations/stream?owner=me", user: "alice");
        using var thirdOnB = await cluster.B.CreateClient().OpenMultiplexAsync("generations/stream?owner=me", user: "alice");
        using var bobsOnA = await clientA.OpenMultiplexAsync("generations/stream?owner=me", user: "bob");

        thirdOnA.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, await thirdOnA.Content.ReadAsStringAsync());
        thirdOnA.Headers.RetryAfter.Should().NotBeNull();
        thirdOnB.StatusCode.Should().Be(HttpStatusCode.OK, "the cap counts the streams open on each instance");
        bobsOnA.StatusCode.Should().Be(HttpStatusCode.OK, "the cap is per owner");
    }

    private static Task<Contracts.GenerationStartedResponse[]> StartAsync(ScaleOutCluster cluster, int first, int perInstance) =>
        Task.WhenAll(Enumerable.Range(first, 2 * perInstance).Select(i =>
        {
            var host = i % 2 == 0 ? cluster.A : cluster.B;
            return host.StartGenerationAsync(ClientOf(host, "alice"), prompt: $"Run {i}");
        }));

    [Fact]
    public async Task OwnerStreamOnA_InstanceRunningTheUsersGenerationKilledMidRun_TheGenerationGoesOnInTheStreamToItsEnd()
    {
        var gated = new GatedPhaseGenerator();
        await using var cluster = await MultiplexCluster.StartAsync(server, generatorB: gated, options: o => o.OwnerStreamRefreshInterval = TimeSpan.FromMilliseconds(100));
        using var stream = await cluster.A.CreateClient().OpenMultiplexAsync("generations/stream?owner=me", user: "alice");
        await using var items = stream.ReadMultiplexAsync().GetAsyncEnumerator();
        await items.ReadUntilAsync(i => i.Retry is not null);
        var alices = await cluster.B.StartGenerationAsync(ClientOf(cluster.B, "alice"));
        var received = new List<MultiplexItem>();
        received.Add(await items.ReadUntilAsync(i => i.IsEvent && Parse(i).Stage == GenerationStages.PhaseProgress(1), received.Add));

        await cluster.CrashAsync(cluster.B);
        received.Add(await items.ReadUntilAsync(i => i.IsEvent && Parse(i).IsTerminal, received.Add));
        var own = await ReadOwnStreamAsync(cluster.A, alices);

        var events = received.Where(i => i.IsEvent).ToList();
        events.Select(e => e.Data).Should().Equal(own, "the run taken over goes on in the same stream, once each and in order");
        events.Select(e => Parse(e).Stage).Should().Contain(GenerationStages.Resumed);
        Parse(events[^1]).Status.Should().Be(GenerationStatus.Completed);
    }

    private static HttpClient ClientOf(KestrelTestHost host, string user)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Add(OwnerBudgetRace.UserHeader, user);
        return client;
    }

    private static StreamingProgressEvent Parse(MultiplexItem item) =>
        JsonSerializer.Deserialize(item.Data!, IterationStreamingJson.StreamingProgressEvent)!;

    private static async Task<List<string>> ReadOwnStreamAsync(KestrelTestHost host, Contracts.GenerationStartedResponse started)
    {
        using var single = await host.CreateClient().GetStreamAsync(started.GenerationId, started.SseToken).WithPatience();
        var events = await single.ReadAllEventsAsync().WithPatience();
        events.ShouldBeContiguousFromOne();
        return events.Select(e => e.Data).ToList();
    }

    /// <summary>Lets every phase the engine asks for (of any run) yield one file and end.</summary>
    private static async Task DriveAsync(ControlledPhaseGenerator generator, int phases)
    {
        for (var i = 0; i < phases; i++)
        {
            var phase = await generator.NextPhaseAsync();
            phase.Yield($"src/{phase.Context.Phase.Number}.cs", "// file").Complete();
        }
    }
}
