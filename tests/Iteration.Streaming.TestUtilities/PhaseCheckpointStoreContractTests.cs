using System.Text;
using FluentAssertions;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Files;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// The behaviour every <see cref="IPhaseCheckpointStore"/> must show: incremental writes that rebuild exactly the phase
/// so far, a reset, a new phase or an overflow marker that replace what was there, writes that are whole or refused
/// (a delta that does not continue the stored text changes nothing), and deletes. Derive once per implementation. Each
/// test uses generations of its own, so a store may be shared between tests.
/// </summary>
public abstract class PhaseCheckpointStoreContractTests
{
    /// <summary>Creates the store under test; every call of one test may return the same instance.</summary>
    protected abstract Task<IPhaseCheckpointStore> CreateStoreAsync();

    private static readonly DateTimeOffset At = TestEvents.Epoch;

    private static PhaseCheckpointWrite Write(string id, int phase = 2, bool reset = false) =>
        new() { GenerationId = id, Phase = phase, Attempt = 1, Reset = reset, WrittenAt = At };

    private static GeneratedFile Text(string path, string content) => GeneratedFile.FromText(path, content);

    [Fact]
    public async Task ReadAsync_OfAGenerationWithoutCheckpoint_ReturnsNull()
    {
        var store = await CreateStoreAsync();

        (await store.ReadAsync(TestEvents.NewId())).Should().BeNull();
    }

    [Fact]
    public async Task WriteAsync_DeltasAndFiles_ReadBackAsThePhaseSoFar()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();

        await store.WriteAsync(Write(id, reset: true) with { CurrentFile = "src/a.ts", Offset = 0, Text = "const a", ResumeState = new byte[] { 1, 2 }, Sequence = 7 });
        await store.WriteAsync(Write(id) with { CurrentFile = "src/a.ts", Offset = 7, Text = " = 1;\n", Sequence = 8 });
        await store.WriteAsync(Write(id) with { Files = [Text("src/a.ts", "const a = 1;\n")], CurrentFile = "src/b.ts", Offset = 0, Text = "é😀", ResumeState = new byte[] { 3 }, Sequence = 11 });
        await store.WriteAsync(Write(id) with { CurrentFile = "src/b.ts", Offset = 3, Text = "x", Sequence = 12 });

        var checkpoint = await store.ReadAsync(id);

        checkpoint.Should().NotBeNull();
        checkpoint!.Phase.Should().Be(2);
        checkpoint.Attempt.Should().Be(1);
        checkpoint.Files.Should().ContainSingle().Which.Path.Should().Be("src/a.ts");
        Encoding.UTF8.GetString(checkpoint.Files[0].Content.Span).Should().Be("const a = 1;\n");
        checkpoint.CurrentFile.Should().Be("src/b.ts");
        checkpoint.CurrentText.Should().Be("é😀x");
        checkpoint.ResumeState.ToArray().Should().Equal(3);
        checkpoint.Sequence.Should().Be(12);
        checkpoint.WrittenAt.Should().Be(At);
        checkpoint.Overflowed.Should().BeFalse();
    }

    [Fact]
    public async Task WriteAsync_WithoutResumeState_KeepsThePreviousOne()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();

        await store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "x", ResumeState = new byte[] { 9, 9 } });
        await store.WriteAsync(Write(id) with { CurrentFile = "a", Offset = 1, Text = "y" });

        (await store.ReadAsync(id))!.ResumeState.ToArray().Should().Equal(9, 9);
    }

    [Fact]
    public async Task WriteAsync_ADeletedAndARewrittenFile_KeepsOneEntryPerPathInFirstOrder()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();

        await store.WriteAsync(Write(id, reset: true) with { Files = [Text("a", "1"), Text("b", "2")] });
        await store.WriteAsync(Write(id) with { Files = [GeneratedFile.Delete("c"), Text("a", "3")] });

        var files = (await store.ReadAsync(id))!.Files;

        files.Select(f => f.Path).Should().Equal("a", "b", "c");
        Encoding.UTF8.GetString(files[0].Content.Span).Should().Be("3");
        files[2].IsDelete.Should().BeTrue();
        files[2].Content.Length.Should().Be(0);
    }

    [Fact]
    public async Task WriteAsync_AUserWrittenFile_KeepsWhoWroteIt()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();

        await store.WriteAsync(Write(id, reset: true) with { Files = [Text("a", "1") with { WrittenBy = "user" }] });

        (await store.ReadAsync(id))!.Files[0].WrittenBy.Should().Be("user");
    }

    [Fact]
    public async Task WriteAsync_ANewCurrentFile_StartsItsTextEmpty()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();

        await store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "abc" });
        await store.WriteAsync(Write(id) with { CurrentFile = "b", Offset = 0, Text = "z" });

        var checkpoint = await store.ReadAsync(id);

        checkpoint!.CurrentFile.Should().Be("b");
        checkpoint.CurrentText.Should().Be("z");
        checkpoint.Files.Should().BeEmpty("a file being written is not finished until a write lists it");
    }

    [Fact]
    public async Task WriteAsync_BetweenFiles_DropsTheCurrentText()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();

        await store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "abc" });
        await store.WriteAsync(Write(id) with { Files = [Text("a", "abc")], CurrentFile = null });

        var checkpoint = await store.ReadAsync(id);

        checkpoint!.CurrentFile.Should().BeNull();
        checkpoint.CurrentText.Should().BeEmpty();
        checkpoint.Files.Should().ContainSingle();
    }

    [Fact]
    public async Task WriteAsync_AFinishedCurrentFileWrittenAgain_StartsItsTextAtZero()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();

        await store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "abc" });
        await store.WriteAsync(Write(id) with { Files = [Text("a", "abc")], CurrentFile = "a", Offset = 0, Text = "v2" });

        var checkpoint = await store.ReadAsync(id);

        checkpoint!.CurrentText.Should().Be("v2");
        checkpoint.Files.Should().ContainSingle();
    }

    [Fact]
    public async Task WriteAsync_AnOffsetThatDoesNotContinueTheText_IsRefusedAndChangesNothing()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();
        await store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "abc", ResumeState = new byte[] { 1 }, Sequence = 3 });

        var gap = () => store.WriteAsync(Write(id) with { Files = [Text("z", "z")], CurrentFile = "a", Offset = 5, Text = "x", ResumeState = new byte[] { 2 }, Sequence = 4 }).AsTask();
        var repeat = () => store.WriteAsync(Write(id) with { CurrentFile = "a", Offset = 1, Text = "x", Sequence = 4 }).AsTask();

        await gap.Should().ThrowAsync<PhaseCheckpointConflictException>();
        await repeat.Should().ThrowAsync<PhaseCheckpointConflictException>();
        var checkpoint = await store.ReadAsync(id);
        checkpoint!.CurrentText.Should().Be("abc");
        checkpoint.Files.Should().BeEmpty();
        checkpoint.ResumeState.ToArray().Should().Equal(1);
        checkpoint.Sequence.Should().Be(3);
    }

    [Fact]
    public async Task WriteAsync_Reset_ReplacesEverything()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();
        await store.WriteAsync(Write(id, reset: true) with { Files = [Text("old", "1")], CurrentFile = "a", Text = "abc", ResumeState = new byte[] { 1 } });

        await store.WriteAsync(Write(id, reset: true) with { Attempt = 2, CurrentFile = "b", Text = "new" });

        var checkpoint = await store.ReadAsync(id);
        checkpoint!.Attempt.Should().Be(2);
        checkpoint.Files.Should().BeEmpty();
        checkpoint.CurrentFile.Should().Be("b");
        checkpoint.CurrentText.Should().Be("new");
        checkpoint.ResumeState.Length.Should().Be(0);
    }

    [Fact]
    public async Task WriteAsync_OfAnotherPhase_StartsAnew()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();
        await store.WriteAsync(Write(id, phase: 2, reset: true) with { Files = [Text("old", "1")], CurrentFile = "a", Text = "abc" });

        await store.WriteAsync(Write(id, phase: 3) with { CurrentFile = "b", Text = "x" });

        var checkpoint = await store.ReadAsync(id);
        checkpoint!.Phase.Should().Be(3);
        checkpoint.Files.Should().BeEmpty();
        checkpoint.CurrentText.Should().Be("x");
    }

    [Fact]
    public async Task WriteAsync_Overflowed_KeepsOnlyTheMarker()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();
        await store.WriteAsync(Write(id, reset: true) with { Files = [Text("a", "1")], CurrentFile = "b", Text = "abc", ResumeState = new byte[] { 1 } });

        await store.WriteAsync(Write(id) with { Overflowed = true, Sequence = 40 });

        var checkpoint = await store.ReadAsync(id);
        checkpoint!.Overflowed.Should().BeTrue();
        checkpoint.Files.Should().BeEmpty();
        checkpoint.CurrentFile.Should().BeNull();
        checkpoint.CurrentText.Should().BeEmpty();
        checkpoint.ResumeState.Length.Should().Be(0);
        checkpoint.Sequence.Should().Be(40);
    }

    [Fact]
    public async Task WriteAsync_ManySmallDeltas_RebuildTheWholeText()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();
        var expected = new StringBuilder();
        await store.WriteAsync(Write(id, reset: true) with { CurrentFile = "big.txt", Text = string.Empty });
        for (var i = 0; i < 200; i++)
        {
            var delta = $"line {i} \u00e9\r\n";
            await store.WriteAsync(Write(id) with { CurrentFile = "big.txt", Offset = expected.Length, Text = delta, Sequence = i });
            expected.Append(delta);
        }

        (await store.ReadAsync(id))!.CurrentText.Should().Be(expected.ToString());
    }

    [Fact]
    public async Task WriteAsync_BinaryFileContent_IsKeptByteForByte()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        await store.WriteAsync(Write(id, reset: true) with { Files = [new GeneratedFile { Path = "img.bin", Content = bytes }] });

        (await store.ReadAsync(id))!.Files[0].Content.ToArray().Should().Equal(bytes);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheCheckpoint_AndIsIdempotent()
    {
        var store = await CreateStoreAsync();
        var id = TestEvents.NewId();
        await store.WriteAsync(Write(id, reset: true) with { CurrentFile = "a", Text = "abc" });

        await store.DeleteAsync(id);
        await store.DeleteAsync(id);

        (await store.ReadAsync(id)).Should().BeNull();
    }

    [Fact]
    public async Task Checkpoints_OfTwoGenerations_AreSeparate()
    {
        var store = await CreateStoreAsync();
        var first = TestEvents.NewId();
        var second = TestEvents.NewId();

        await store.WriteAsync(Write(first, reset: true) with { CurrentFile = "a", Text = "one" });
        await store.WriteAsync(Write(second, reset: true) with { CurrentFile = "a", Text = "two" });
        await store.DeleteAsync(first);

        (await store.ReadAsync(first)).Should().BeNull();
        (await store.ReadAsync(second))!.CurrentText.Should().Be("two");
    }

    [Fact]
    public async Task Methods_WithMissingArguments_Throw()
    {
        var store = await CreateStoreAsync();

        await FluentActions.Awaiting(() => store.WriteAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => store.WriteAsync(Write(string.Empty)).AsTask()).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.ReadAsync(null!).AsTask()).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.DeleteAsync(string.Empty).AsTask()).Should().ThrowAsync<ArgumentException>();
    }
}
