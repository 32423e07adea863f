using System.Text;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Files;
using Iteration.Streaming.StackExchangeRedis.Checkpoints;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Checkpoints;

/// <summary>
/// What the Redis checkpoint store adds to the contract: its keys (under the prefix, hash-tagged per generation, kept
/// like the generation's other keys until deleted), writes that APPEND the delta rather than rewrite the text, a write
/// racing a delete, deletion with the log, and hostile input that round-trips or is refused naming the field.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisPhaseCheckpointStoreTests(RedisServerFixture server) : IAsyncLifetime
{
    private RedisLogHarness _harness = null!;

    private RedisPhaseCheckpointStore Store => new(_harness.Scripts);

    public Task InitializeAsync()
    {
        _harness = RedisLogHarness.Start(server);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    private static PhaseCheckpointWrite Write(string id, bool reset = false) =>
        new() { GenerationId = id, Phase = 2, Attempt = 1, Reset = reset, WrittenAt = TestEvents.Epoch };

    private string Head(string id) => $"{_harness.Options.KeyPrefix}:{{{id}}}:checkpoint";

    [Fact]
    public async Task WriteAsync_KeepsItsKeysUnderThePrefixAndTheGenerationsHashTag_WithoutAnExpiryOfTheirOwn()
    {
        var id = TestEvents.NewId();
        await _harness.Log.CreateAsync(id);

        await Store.WriteAsync(Write(id, reset: true) with { Files = [GeneratedFile.FromText("a", "1")], CurrentFile = "b", Text = "xyz" });

        var keys = server.Server.Keys(pattern: $"{_harness.Options.KeyPrefix}:{{{id}}}:checkpoint*").Select(k => (string)k!).Order(StringComparer.Ordinal);
        keys.Should().Equal(Head(id), Head(id) + ":files", Head(id) + ":paths", Head(id) + ":text");
        foreach (var key in keys)
        {
            (await server.Database.KeyTimeToLiveAsync(key)).Should().BeNull("checkpoint keys expire as the generation's do: never on their own");
        }

        (await server.Database.KeyTimeToLiveAsync(_harness.Scripts.Keys.Meta(id))).Should().BeNull();
    }

    [Fact]
    public async Task WriteAsync_ManyDeltas_AppendsEachAndNeverRewritesTheText()
    {
        var id = TestEvents.NewId();
        var text = new StringBuilder("start;");
        await Store.WriteAsync(Write(id, reset: true) with { CurrentFile = "src/a.ts", Text = "start;" });
        var appendsBefore = await server.CommandCallsAsync("append");
        var setsBefore = await server.CommandCallsAsync("set");

        for (var i = 0; i < 40; i++)
        {
            var delta = $"line {i};\n";
            await Store.WriteAsync(Write(id) with { CurrentFile = "src/a.ts", Offset = text.Length, Text = delta, Sequence = i });
            text.Append(delta);
        }

        (await server.CommandCallsAsync("append") - appendsBefore).Should().Be(40, "each write appends its delta");
        (await server.CommandCallsAsync("set") - setsBefore).Should().Be(0, "the text so far is never written again");
        (await server.Database.StringLengthAsync(Head(id) + ":text")).Should().Be(2 * text.Length, "the text is UTF-16LE");
        (await Store.ReadAsync(id))!.CurrentText.Should().Be(text.ToString());
    }

    [Fact]
    public async Task WriteAsync_RacingADelete_LeavesNoCheckpointAndNoKey_WhicheverComesFirst()
    {
        var ids = Enumerable.Range(0, 20).Select(_ => TestEvents.NewId()).ToList();
        foreach (var id in ids)
        {
            await Store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "abc", ResumeState = new byte[] { 1 } });
        }

        // Sent without awaiting, so they are pipelined: the even writes reach Redis before their delete, the odd ones after.
        var writes = new List<Task<Exception?>>();
        var deletes = new List<Task>();
        for (var i = 0; i < ids.Count; i++)
        {
            var write = () => writes.Add(Outcome(Store.WriteAsync(Write(ids[i]) with { Files = [GeneratedFile.FromText("f", "1")], CurrentFile = "a", Offset = 3, Text = "def" }).AsTask()));
            var delete = () => deletes.Add(Store.DeleteAsync(ids[i]).AsTask());
            (i % 2 == 0 ? write : delete)();
            (i % 2 == 0 ? delete : write)();
        }

        var outcomes = await Task.WhenAll(writes).WithPatience();
        await Task.WhenAll(deletes).WithPatience();

        outcomes.Where((_, i) => i % 2 == 0).Should().OnlyContain(o => o == null, "a write before the delete applies, and the delete removes it whole");
        outcomes.Where((_, i) => i % 2 == 1).Should().AllBeOfType<PhaseCheckpointConflictException>("a write after the delete finds no text to continue and changes nothing");
        foreach (var id in ids)
        {
            (await Store.ReadAsync(id)).Should().BeNull();
            server.Server.Keys(pattern: $"{_harness.Options.KeyPrefix}:{{{id}}}:*").Should().BeEmpty("no half of a checkpoint is left");
        }
    }

    [Fact]
    public async Task DeletingTheGenerationsLog_DeletesItsCheckpointInTheSameStep()
    {
        var id = TestEvents.NewId();
        await _harness.Log.CreateAsync(id);
        await Store.WriteAsync(Write(id, reset: true) with { Files = [GeneratedFile.FromText("a", "1")], CurrentFile = "b", Text = "xyz", ResumeState = new byte[] { 5 } });

        (await _harness.Log.DeleteAsync(id)).Should().BeTrue();

        (await Store.ReadAsync(id)).Should().BeNull();
        server.Server.Keys(pattern: $"{_harness.Options.KeyPrefix}:{{{id}}}:*").Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_RemovesEveryKey()
    {
        var id = TestEvents.NewId();
        await Store.WriteAsync(Write(id, reset: true) with { Files = [GeneratedFile.FromText("a", "1")], CurrentFile = "b", Text = "xyz", ResumeState = new byte[] { 5 } });

        await Store.DeleteAsync(id);

        server.Server.Keys(pattern: $"{_harness.Options.KeyPrefix}:{{{id}}}:*").Should().BeEmpty();
    }

    [Fact]
    public async Task WriteAsync_HostileInput_RoundTripsExactly()
    {
        var id = TestEvents.NewId();
        var longPath = "src/" + new string('p', 5_000) + ".ts";
        var binary = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 31)).ToArray();
        var hostile = "a\0b\uD800c\uDC00" + new string('é', 10);
        var huge = new string('h', 4 * 1024 * 1024);

        await Store.WriteAsync(Write(id, reset: true) with
        {
            Files = [new GeneratedFile { Path = longPath, Content = binary, WrittenBy = "user" }, new GeneratedFile { Path = "nul\0name", Content = new byte[] { 0 } }, GeneratedFile.Delete("gone")],
            CurrentFile = longPath + "2",
            Text = hostile[..2] + "\uD83D",
        });
        await Store.WriteAsync(Write(id) with { CurrentFile = longPath + "2", Offset = 3, Text = "\uDE00" + hostile[2..] + huge });

        var checkpoint = await Store.ReadAsync(id);

        checkpoint!.Files.Select(f => f.Path).Should().Equal(longPath, "nul\0name", "gone");
        checkpoint.Files[0].Content.ToArray().Should().Equal(binary);
        checkpoint.Files[0].WrittenBy.Should().Be("user");
        checkpoint.Files[2].IsDelete.Should().BeTrue();
        checkpoint.CurrentFile.Should().Be(longPath + "2");
        checkpoint.CurrentText.Should().Be(hostile[..2] + "\uD83D\uDE00" + hostile[2..] + huge, "NUL, a pair split over two writes and lone surrogates are kept");
    }

    [Fact]
    public async Task WriteAsync_MalformedWrites_AreRefusedNamingTheFieldAndWriteNothing()
    {
        var id = TestEvents.NewId();

        await FluentActions.Awaiting(() => Store.WriteAsync(Write(id) with { Offset = -1 }).AsTask())
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("write");
        await FluentActions.Awaiting(() => Store.WriteAsync(Write(id) with { Files = [GeneratedFile.FromText("bad\uD800", "x")] }).AsTask())
            .Should().ThrowAsync<ArgumentException>().WithMessage("*Path*well-formed UTF-16*");
        await FluentActions.Awaiting(() => Store.WriteAsync(Write(id) with { CurrentFile = "\uDC00" }).AsTask())
            .Should().ThrowAsync<ArgumentException>().WithMessage("*CurrentFile*");
        await FluentActions.Awaiting(() => Store.WriteAsync(Write("a{b}")).AsTask())
            .Should().ThrowAsync<ArgumentException>().WithMessage("*generation id*braces*");
        (await Store.ReadAsync("a{b}")).Should().BeNull();
        (await Store.ReadAsync(id)).Should().BeNull();
    }

    [Fact]
    public async Task ReadAsync_OfAForeignValue_ThrowsNamingTheGeneration()
    {
        var id = TestEvents.NewId();
        await Store.WriteAsync(Write(id, reset: true) with { Files = [GeneratedFile.FromText("a", "1")] });
        await server.Database.HashSetAsync(Head(id) + ":files", "a", new byte[] { 0xFF });

        var read = () => Store.ReadAsync(id).AsTask();

        await read.Should().ThrowAsync<InvalidDataException>().WithMessage($"*'{id}'*{_harness.Options.KeyPrefix}*damaged*");
    }

    private static async Task<Exception?> Outcome(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
