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
