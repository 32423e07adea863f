using System.Net;
using System.Text.Json;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// A watch set on instance A whose members' logs are written on instance B: a member whose Redis log was trimmed below
/// the cursor gets the snapshot event its own stream gives; a member deleted while watched leaves with a comment; the
/// other members go on in both cases.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class WatchSetMemberFaultTests(RedisServerFixture server)
{
    [Fact]
    public async Task Resume_MemberLogTrimmedBelowTheCursor_MemberGetsTheSnapshotItsOwnStreamGets_AndTheOtherGoesOn()
    {
        await using var cluster = await MultiplexCluster.StartAsync(server, options: o => o.MaxEventsPerGeneration = 16);
        var (x, xToken) = await cluster.B.CreateGenerationLogAsync();
        var (y, yToken) = await cluster.B.CreateGenerationLogAsync();
        await AppendAsync(cluster.B, x, 1, 3);
        await AppendAsync(cluster.B, y, 1, 2);
        var client = cluster.A.CreateClient();
        var watch = await client.WatchAsync([(x, xToken), (y, yToken)]);
        var before = await ReadUntilAsync(client, watch.StreamUrl(from: "start"), null, got => Count(got, x) == 3 && Count(got, y) == 2);

        await AppendAsync(cluster.B, x, 4, 103);
        await cluster.B.EndGenerationAsync(TestEvents.Completed(x));
        await AppendAsync(cluster.B, y, 3, 3);
        var after = await ReadUntilAsync(client, watch.StreamUrl(), before[^1].Cursor, got => Ended(got, x) && Count(got, y) == 1);
        var ownFromThree = await ReadOwnStreamAsync(client, x, xToken, after: 3);

        var xAfter = Of(after, x);
        Parse(xAfter[0]).Replay.Should().Be(StreamingProgressEvent.SnapshotReplay, "the log no longer holds what follows the cursor");
        xAfter.Select(i => i.Data).Should().Equal(ownFromThree, "the member resumes as its own stream resumes from the same point");
        Of(after, y).Select(i => Parse(i)).Should().Equal([TestEvents.Progress(y, 3)], "the other member goes on exactly after what it delivered");
    }

    [Fact]
    public async Task LiveStream_MemberDeletedOnAnotherInstance_LeavesWithAComment_AndTheOtherGoesOnToTheEnd()
    {
        await using var cluster = await MultiplexCluster.StartAsync(server);
        var (x, xToken) = await cluster.B.CreateGenerationLogAsync();
        var (y, yToken) = await cluster.B.CreateGenerationLogAsync();
        await AppendAsync(cluster.B, x, 1, 2);
        await AppendAsync(cluster.B, y, 1, 2);
        var client = cluster.A.CreateClient();
        var watch = await client.WatchAsync([(x, xToken), (y, yToken)]);
        using var stream = await client.OpenMultiplexAsync(watch.StreamUrl(from: "start"));
        await using var items = stream.ReadMultiplexAsync().GetAsyncEnumerator();
        var seen = new List<MultiplexItem>();
        await CollectAsync(items, seen, () => Count(seen, x) == 2 && Count(seen, y) == 2);

        // What retention does to a generation, in its order: the record, then the log.
        (await cluster.B.Records.DeleteAsync(x)).Should().BeTrue();
        (await cluster.B.EventLog.DeleteAsync(x)).Should().BeTrue();
        await AppendAsync(cluster.B, y, 3, 3);
        var rest = new List<MultiplexItem>();
        await CollectAsync(items, rest, () => rest.Any(i => i.Comment?.Contains(x, StringComparison.Ordinal) == true));
        await cluster.B.EndGenerationAsync(TestEvents.Completed(y));
        while (await items.MoveNextAsync().AsTask().WithPatience())
        {
            rest.Add(items.Current);
        }

        using var reconnect = await client.OpenMultiplexAsync(watch.StreamUrl(), Of(rest, y)[^1].Cursor);

        rest.Should().Contain(i => i.Comment == $"generation {x} left the stream: it was deleted");
        Of(rest, x).Should().BeEmpty();
        Of(rest, y).Select(i => Parse(i)).Should().Equal(TestEvents.Progress(y, 3), TestEvents.Completed(y));
        reconnect.StatusCode.Should().Be(HttpStatusCode.NoContent, "the deleted member is gone from the cursor and the other ended");
    }

    [Fact]
    public async Task Resume_MemberDeletedByRetentionWhileDisconnected_LeavesWithAComment_AndTheOtherGoesOn()
    {
        string? deleting = null;
        var deleted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var cluster = await MultiplexCluster.StartAsync(
            server,
            options: o => o.RetainCompletedFor = TimeSpan.FromMilliseconds(1),
            logLines: line =>
            {
                if (Volatile.Read(ref deleting) is { } id && line.Contains($"Retention deleted generation {id}", StringComparison.Ordinal))
                {
                    deleted.TrySetResult();
                }
            });
        var (x, xToken) = await cluster.B.CreateGenerationLogAsync();
        Volatile.Write(ref deleting, x);
        var (y, yToken) = await cluster.B.CreateGenerationLogAsync();
        await AppendAsync(cluster.B, x, 1, 2);
        await AppendAsync(cluster.B, y, 1, 2);
        var client = cluster.A.CreateClient();
        var watch = await client.WatchAsync([(x, xToken), (y, yToken)]);
        var before = await ReadUntilAsync(client, watch.StreamUrl(from: "start"), null, got => Count(got, x) == 2 && Count(got, y) == 2);

        // x ends while the dashboard is away; the hosts' retention sweeps (every second) delete it.
        await cluster.B.EndGenerationAsync(TestEvents.Completed(x));
        await deleted.Task.WithPatience();
        await AppendAsync(cluster.B, y, 3, 3);
        var after = await ReadUntilAsync(client, watch.StreamUrl(), before[^1].Cursor, got => Count(got, y) == 1 && got.Any(i => i.IsComment && i.Comment != "heartbeat"));

        after.Where(i => i.IsComment && i.Comment != "heartbeat").Select(i => i.Comment).Should().Equal($"generation {x} left the stream: it was deleted");
        Of(after, x).Should().BeEmpty("its terminal event went with it");
        Of(after, y).Select(i => Parse(i)).Should().Equal([TestEvents.Progress(y, 3)]);
    }

    private static async Task AppendAsync(KestrelTestHost host, string id, int from, int to)
    {
        for (var i = from; i <= to; i++)
        {
            await host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }
    }

    /// <summary>Opens the stream (resuming after <paramref name="cursor"/>), reads until <paramref name="done"/> holds, and cuts it.</summary>
    private static async Task<List<MultiplexItem>> ReadUntilAsync(HttpClient client, string url, string? cursor, Func<List<MultiplexItem>, bool> done)
    {
        using var stream = await client.OpenMultiplexAsync(url, cursor);
        stream.StatusCode.Should().Be(HttpStatusCode.OK, await (stream.StatusCode == HttpStatusCode.OK ? Task.FromResult(string.Empty) : stream.Content.ReadAsStringAsync()));
        await using var items = stream.ReadMultiplexAsync().GetAsyncEnumerator();
        var got = new List<MultiplexItem>();
        await CollectAsync(items, got, () => done(got));
        return got;
    }

    /// <summary>Adds each item read to <paramref name="into"/> until <paramref name="done"/> holds.</summary>
    private static async Task CollectAsync(IAsyncEnumerator<MultiplexItem> items, List<MultiplexItem> into, Func<bool> done)
    {
        while (!done())
        {
            (await items.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue("the stream should go on until the awaited item");
            into.Add(items.Current);
        }
    }

    private static async Task<List<string>> ReadOwnStreamAsync(HttpClient client, string id, string token, long after)
    {
        using var single = await client.GetStreamAsync(id, token, lastEventId: after).WithPatience();
        return (await single.ReadAllEventsAsync().WithPatience()).Select(e => e.Data).ToList();
    }

    private static StreamingProgressEvent Parse(MultiplexItem item) =>
        JsonSerializer.Deserialize(item.Data!, IterationStreamingJson.StreamingProgressEvent)!;

    private static List<MultiplexItem> Of(IEnumerable<MultiplexItem> items, string id) =>
        items.Where(i => i.IsEvent && Parse(i).GenerationId == id).ToList();

    private static int Count(IEnumerable<MultiplexItem> items, string id) => Of(items, id).Count;

    private static bool Ended(IEnumerable<MultiplexItem> items, string id) => Of(items, id).LastOrDefault() is { } last && Parse(last).IsTerminal;
}
