using System.Text;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.EventLog;

/// <summary>The live tail under load: batched appends, batched reads, frames handed on as Redis holds them.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisTailBatchTests(RedisServerFixture server) : IAsyncLifetime
{
    private readonly List<RedisLogHarness> _instances = [];
    private readonly List<EventLogSubscription> _subscriptions = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync();
        }

        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    [Fact]
    public async Task AppendAsync_ManyGenerationsAppendingAtOnce_EachGetsItsEventsInOrderOnAnotherInstance()
    {
        const int Generations = 64;
        const int EventsEach = 20;
        var writer = Start();
        var reader = Start(writer.Options.KeyPrefix, o => o.TailBatchSize = 4);
        var ids = await CreateAsync(writer, Generations);
        var readings = await ReadAllAsync(reader, ids);

        var appending = ids.Select(id => Task.Run(async () =>
        {
            var sequences = new List<long>();
            for (var i = 0; i < EventsEach; i++)
            {
                sequences.Add((await writer.Log.AppendAsync(TestEvents.Progress(id, i))).Sequence);
            }

            sequences.Add((await writer.Log.AppendAsync(TestEvents.Completed(id))).Sequence);
            return sequences;
        }));
        var appended = await Task.WhenAll(appending).WithPatience();
        var read = await Task.WhenAll(readings).WithPatience();

        var expected = Enumerable.Range(1, EventsEach + 1).Select(s => (long)s).ToArray();
        appended.Should().OnlyContain(sequences => sequences.SequenceEqual(expected));
        read.Should().OnlyContain(entries => entries.Select(e => e.Sequence).SequenceEqual(expected), "reads of 4 entries per stream cut each log into many batches");
        read.Should().OnlyContain(entries => entries.Last().IsTerminal && entries.Take(EventsEach).All(e => !e.IsTerminal));
    }

    [Fact]
    public async Task Tail_FrameAppendedOnAnotherInstance_ReachesTheReaderByteForByte()
    {
        var writer = Start();
        var reader = Start(writer.Options.KeyPrefix);
        var id = (await CreateAsync(writer, 1))[0];
        var reading = (await ReadAllAsync(reader, [id]))[0];

        var appended = new[]
        {
            await writer.Log.AppendAsync(TestEvents.Progress(id, 0) with { Message = "ünïcödé \"quoted\" \n line" }),
            await writer.Log.AppendAsync(TestEvents.Completed(id)),
        };
        var read = await reading.WithPatience();

        read.Select(e => e.Frame.ToArray()).Should().BeEquivalentTo(appended.Select(e => e.Frame.ToArray()), o => o.WithStrictOrdering());
        read[0].Event.Should().BeEquivalentTo(appended[0].Event, "the event is still there for whoever asks for it");
    }

    [Fact]
    public async Task Tail_StoredFrameThatOnlyDeserialisingWouldReject_IsHandedOnUntouched()
    {
        var instance = Start();
        var id = (await CreateAsync(instance, 1))[0];
        var reading = (await ReadAllAsync(instance, [id]))[0];
        var frame = "id: 1\ndata: {\"generation_id\":\"" + id + "\",\"status\":\"completed\",\"progress\":\"not a number\"}\n\n";

        await WriteRawAsync(instance, id, 1, Encoding.UTF8.GetBytes(frame));
        var read = await reading.WithPatience();

        read.Should().ContainSingle().Which.IsTerminal.Should().BeTrue("the tail reads the id and the status, nothing more");
        Encoding.UTF8.GetString(read[0].Frame.Span).Should().Be(frame);
    }

    [Fact]
    public async Task Tail_UnreadableEntry_IsSkippedWithAWarningAndNoGenerationStalls()
    {
        var logger = new FakeLogger<RedisStreamTail>();
        var instance = Start(tailLogger: logger);
        var ids = await CreateAsync(instance, 2);
        var readings = await ReadAllAsync(instance, ids);
        await instance.Log.AppendAsync(TestEvents.Progress(ids[0], 0));

        await WriteRawAsync(instance, ids[0], 2, "not an event log frame"u8.ToArray());
        await Eventually.TrueAsync(() => logger.Collector.GetSnapshot().Any(r => r.Level == LogLevel.Warning));
        await instance.Log.AppendAsync(TestEvents.Progress(ids[1], 0));
        await instance.Log.AppendAsync(TestEvents.Completed(ids[1]));
        await instance.Log.AppendAsync(TestEvents.Completed(ids[0]));
        var read = await Task.WhenAll(readings).WithPatience();

        read[0].Select(e => e.Sequence).Should().Equal(1, 3);
        read[1].Select(e => e.Sequence).Should().Equal(1, 2);
        var warnings = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).ToList();
        warnings.Should().ContainSingle("the entry is read past, not read again and again").Which.Message.Should().Contain(ids[0]).And.Contain("2-0");
        warnings[0].Exception.Should().BeOfType<FormatException>();
    }

    private RedisLogHarness Start(string? prefix = null, Action<IterationStreamingRedisOptions>? configure = null, ILogger<RedisStreamTail>? tailLogger = null)
    {
        var instance = RedisLogHarness.Start(server, prefix, configure, tailLogger: tailLogger);
        _instances.Add(instance);
        return instance;
    }

    private static async Task<List<string>> CreateAsync(RedisLogHarness instance, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = TestEvents.NewId();
            await instance.Log.CreateAsync(id);
            ids.Add(id);
        }

        return ids;
    }

    private async Task<List<Task<List<EventLogEntry>>>> ReadAllAsync(RedisLogHarness instance, List<string> ids)
    {
        var readings = new List<Task<List<EventLogEntry>>>();
        foreach (var id in ids)
        {
            var subscription = await instance.Log.SubscribeAsync(id);
            _subscriptions.Add(subscription);
            readings.Add(subscription.ReadAllAsync().ToListAsync().AsTask());
        }

        return readings;
    }

    /// <summary>Stores a value in a generation's stream as something other than this package would.</summary>
    private async Task WriteRawAsync(RedisLogHarness instance, string id, long sequence, byte[] frame)
    {
        await server.Database.StreamAddAsync(instance.Log.Keys.Events(id), "f", frame, messageId: $"{sequence}-0");
        await server.Database.HashSetAsync(instance.Log.Keys.Meta(id), "last", sequence);
    }
}
