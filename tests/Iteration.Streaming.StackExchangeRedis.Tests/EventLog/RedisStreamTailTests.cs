using Iteration.Streaming.EventLog;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.EventLog;

[Collection(RedisCollection.Name)]
public sealed class RedisStreamTailTests(RedisServerFixture server) : IAsyncLifetime
{
    private const int Generations = 50;
    private const int WatchersPerGeneration = 10;
    private readonly RedisLogHarness _instance = RedisLogHarness.Start(server);
    private readonly List<EventLogSubscription> _subscriptions = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync();
        }

        await _instance.DisposeAsync();
    }

    [Fact]
    public async Task FiveHundredWatchers_ShareOneConnectionAndOneBlockedRead()
    {
        var ids = await CreateGenerationsAsync();
        var clientsBefore = (await server.ClientsAsync(_instance.Options.InstanceName)).Length;

        await WatchAllAsync(ids);
        await Eventually.TrueAsync(async () => await server.InfoValueAsync("clients", "blocked_clients") == 1);

        var clients = await server.ClientsAsync(_instance.Options.InstanceName);
        clients.Length.Should().Be(clientsBefore + 1, "the tail reader adds one connection, whatever the number of watchers");
        clients.Should().ContainSingle(c => c.Name == _instance.Options.InstanceName + "-tail");
        (await server.InfoValueAsync("clients", "blocked_clients")).Should().Be(1);
    }

    [Fact]
    public async Task FiveHundredWatchers_EventsReachEveryWatcherWithReadsNotMultipliedByWatchers()
    {
        var ids = await CreateGenerationsAsync();
        var readers = await WatchAllAsync(ids);
        await Eventually.TrueAsync(async () => await server.InfoValueAsync("clients", "blocked_clients") == 1);
        var readsBefore = await server.CommandCallsAsync("xread");

        foreach (var id in ids)
        {
            await _instance.Log.AppendAsync(TestEvents.Progress(id, 0));
            await _instance.Log.AppendAsync(TestEvents.Completed(id));
        }

        var results = await Task.WhenAll(readers).WithPatience();
        var reads = await server.CommandCallsAsync("xread") - readsBefore;

        results.Should().OnlyContain(sequences => sequences.SequenceEqual(new long[] { 1, 2 }));
        reads.Should().BeLessThanOrEqualTo(2 * Generations + 1, "the tail reads per appended event at most, never per watcher");
    }

    [Fact]
    public async Task NothingWatched_SendsNoReadToRedis()
    {
        var ids = await CreateGenerationsAsync();
        var readers = await WatchAllAsync(ids.Take(1).ToList());
        await _instance.Log.AppendAsync(TestEvents.Completed(ids[0]));
        await Task.WhenAll(readers).WithPatience();
        await Eventually.TrueAsync(() => _instance.Tail.Find(ids[0]) is { NeedsTail: false });
        await Eventually.TrueAsync(async () => await server.InfoValueAsync("clients", "blocked_clients") == 0);
        var readsBefore = await server.CommandCallsAsync("xread");

        // Appending to generations nobody watches here does not wake this instance's reader.
        foreach (var id in ids.Skip(1))
        {
            await _instance.Log.AppendAsync(TestEvents.Progress(id, 0));
        }

        (await server.CommandCallsAsync("xread")).Should().Be(readsBefore);
        (await server.InfoValueAsync("clients", "blocked_clients")).Should().Be(0);
    }

    [Fact]
    public async Task Watch_AddedWhileTheReadIsBlocked_IsServedWithoutWaitingForTheBlockTimeout()
    {
        await using var slow = RedisLogHarness.Start(server, configure: o => o.BlockTimeout = TimeSpan.FromMinutes(10));
        var first = TestEvents.NewId();
        var second = TestEvents.NewId();
        await slow.Log.CreateAsync(first);
        await slow.Log.CreateAsync(second);
        await using var firstWatcher = await slow.Log.SubscribeAsync(first);
        var firstReading = firstWatcher.WaitToReadAsync().AsTask();
        await Eventually.TrueAsync(async () => await server.InfoValueAsync("clients", "blocked_clients") == 1);

        await using var secondWatcher = await slow.Log.SubscribeAsync(second);
        var secondReading = secondWatcher.ReadAllAsync().ToListAsync();
        await slow.Log.AppendAsync(TestEvents.Completed(second));

        (await secondReading.WithPatience()).Should().ContainSingle().Which.IsTerminal.Should().BeTrue();
        firstReading.IsCompleted.Should().BeFalse();
    }

    private async Task<List<string>> CreateGenerationsAsync()
    {
        var ids = new List<string>();
        for (var g = 0; g < Generations; g++)
        {
            var id = TestEvents.NewId();
            await _instance.Log.CreateAsync(id);
            ids.Add(id);
        }

        // Touch the shared connection so the baseline counts it.
        await _instance.Log.ExistsAsync(ids[0]);
        return ids;
    }

    private async Task<List<Task<List<long>>>> WatchAllAsync(List<string> ids)
    {
        var readers = new List<Task<List<long>>>();
        foreach (var id in ids)
        {
            for (var w = 0; w < WatchersPerGeneration; w++)
            {
                var subscription = await _instance.Log.SubscribeAsync(id);
                _subscriptions.Add(subscription);
                readers.Add(Task.Run(async () =>
                {
                    var sequences = new List<long>();
                    await foreach (var entry in subscription.ReadAllAsync())
                    {
                        sequences.Add(entry.Sequence);
                    }

                    return sequences;
                }));
            }
        }

        return readers;
    }
}
