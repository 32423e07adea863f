using System.IO.Compression;
using FluentAssertions;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>The contract of <see cref="IFileSink.CreateFromAsync"/> (retries) and <see cref="IFileSink.DeleteAsync"/> (retention).</summary>
public abstract partial class FileSinkContractTests
{
    public static TheoryData<string> HostileGenerationIds => new()
    {
        "",
        "..",
        "../escape",
        "../../etc",
        "a/b",
        "a\\b",
        "C:",
        "%2e%2e",
        "id with spaces",
        "id\0null",
        "id.with.dots",
        new string('a', 129),
    };

    /// <summary>A generation that saved two phases and then failed: phases 1 and 2 are in its manifest, it is not complete.</summary>
    private async Task<(IFileSink Sink, string Id)> FailedAfterTwoPhasesAsync()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("core/a.txt", "a1"), Text("core/b.txt", "b1")]);
        await sink.SavePhaseAsync(id, 2, [Text("core/a.txt", "a2"), Text("user/model.txt", "user")]);
        return (sink, id);
    }

    [Fact]
    public async Task CreateFromAsync_StartsWithTheSourceFiles_KeepingTheirPhases()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();
        var retry = NewId();

        await sink.CreateFromAsync(retry, source);

        var manifest = await sink.GetManifestAsync(retry);
        manifest!.GenerationId.Should().Be(retry);
        manifest.Files.Select(f => (f.Path, f.Phase, f.Sha256)).Should().Equal(
            ("core/a.txt", 2, Sha256("a2")),
            ("core/b.txt", 1, Sha256("b1")),
            ("user/model.txt", 2, Sha256("user")));
        (await ReadTextAsync(sink, retry, "core/a.txt")).Should().Be("a2");
    }

    [Fact]
    public async Task CreateFromAsync_StartsAnIncompleteManifest_EvenFromACompleteSource()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();
        await sink.CompleteAsync(source);
        var retry = NewId();

        await sink.CreateFromAsync(retry, source);

        (await sink.GetManifestAsync(retry))!.IsComplete.Should().BeFalse();
    }

    [Fact]
    public async Task CreateFromAsync_OfAnIteration_KeepsTheParentsPhaseZeroFiles()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Text("from-parent.txt", "p")]);
        await sink.CompleteAsync(parent);
        var source = NewId();
        await sink.CreateAsync(source, parent);
        await sink.SavePhaseAsync(source, 1, [Text("from-source.txt", "s")]);
        var retry = NewId();

        await sink.CreateFromAsync(retry, source);

        (await sink.GetManifestAsync(retry))!.Files.Select(f => (f.Path, f.Phase)).Should().Equal(("from-parent.txt", 0), ("from-source.txt", 1));
    }

    [Fact]
    public async Task CreateFromAsync_ThenSavingTheRemainingPhases_BuildsOnTheCarriedFiles()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();
        var retry = NewId();
        await sink.CreateFromAsync(retry, source);

        await sink.SavePhaseAsync(retry, 3, [Text("main.txt", "main"), Text("core/b.txt", "b3")]);
        await sink.CompleteAsync(retry);

        var manifest = await sink.GetManifestAsync(retry);
        manifest!.IsComplete.Should().BeTrue();
        manifest.Files.Select(f => (f.Path, f.Phase)).Should().Equal(("core/a.txt", 2), ("core/b.txt", 3), ("main.txt", 3), ("user/model.txt", 2));
        (await ReadTextAsync(sink, retry, "core/b.txt")).Should().Be("b3");
        (await ReadTextAsync(sink, retry, "core/a.txt")).Should().Be("a2");
    }

    [Fact]
    public async Task CreateFromAsync_ChangesToTheRetryNeverReachTheSource()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();
        var retry = NewId();
        await sink.CreateFromAsync(retry, source);

        await sink.SavePhaseAsync(retry, 3, [Text("core/a.txt", "changed"), GeneratedFile.Delete("core/b.txt")]);
        await sink.CompleteAsync(retry);

        var manifest = await sink.GetManifestAsync(source);
        manifest!.IsComplete.Should().BeFalse();
        manifest.Files.Select(f => f.Path).Should().Equal("core/a.txt", "core/b.txt", "user/model.txt");
        (await ReadTextAsync(sink, source, "core/a.txt")).Should().Be("a2");
        (await ReadTextAsync(sink, source, "core/b.txt")).Should().Be("b1");
    }

    [Fact]
    public async Task CreateFromAsync_OfASourceWithNoSavedPhase_StartsEmpty()
    {
        var (sink, source) = await CreatedAsync();
        var retry = NewId();

        await sink.CreateFromAsync(retry, source);

        (await sink.GetManifestAsync(retry))!.Files.Should().BeEmpty();
    }

    [Fact]
    public async Task CreateFromAsync_UnknownSource_ThrowsGenerationNotFound_AndCreatesNothing()
    {
        var sink = await CreateSinkAsync();
        var (retry, source) = (NewId(), NewId());

        var act = async () => await sink.CreateFromAsync(retry, source);

        (await act.Should().ThrowAsync<GenerationNotFoundException>()).Which.GenerationId.Should().Be(source);
        (await sink.GetManifestAsync(retry)).Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(HostileGenerationIds))]
    public async Task CreateFromAsync_HostileSourceId_ThrowsGenerationNotFound(string sourceGenerationId)
    {
        var sink = await CreateSinkAsync();

        var act = async () => await sink.CreateFromAsync(NewId(), sourceGenerationId);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task CreateFromAsync_NullSource_ThrowsArgumentNull()
    {
        var sink = await CreateSinkAsync();

        var act = async () => await sink.CreateFromAsync(NewId(), null!);

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    [Theory]
    [MemberData(nameof(HostileGenerationIds))]
    public async Task CreateFromAsync_HostileGenerationId_ThrowsArgumentException(string generationId)
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();

        var act = async () => await sink.CreateFromAsync(generationId, source);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task CreateFromAsync_NullGenerationId_ThrowsArgumentException()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();

        var act = async () => await sink.CreateFromAsync(null!, source);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task CreateFromAsync_AnExistingGeneration_Throws_AndKeepsItsFiles()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();
        var other = NewId();
        await sink.CreateAsync(other, null);
        await sink.SavePhaseAsync(other, 1, [Text("mine.txt", "mine")]);

        var act = async () => await sink.CreateFromAsync(other, source);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{other}*exists*");
        (await sink.GetManifestAsync(other))!.Files.Select(f => f.Path).Should().Equal("mine.txt");
    }

    [Fact]
    public async Task CreateFromAsync_ItsOwnSource_Throws()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();

        var act = async () => await sink.CreateFromAsync(source, source);

        await act.Should().ThrowAsync<InvalidOperationException>();
    }

    [Fact]
    public async Task CreateFromAsync_ARetryOfARetry_KeepsEveryPhaseSavedSoFar()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();
        var first = NewId();
        await sink.CreateFromAsync(first, source);
        await sink.SavePhaseAsync(first, 3, [Text("third.txt", "3")]);
        var second = NewId();

        await sink.CreateFromAsync(second, first);

        (await sink.GetManifestAsync(second))!.Files.Select(f => (f.Path, f.Phase)).Should().Equal(
            ("core/a.txt", 2), ("core/b.txt", 1), ("third.txt", 3), ("user/model.txt", 2));
    }

    [Fact]
    public async Task DeleteAsync_RemovesEverything_ReadsFindNothing()
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();
        await sink.CompleteAsync(id);

        var deleted = await sink.DeleteAsync(id);

        deleted.Should().BeTrue();
        (await sink.GetManifestAsync(id)).Should().BeNull();
        (await sink.OpenReadAsync(id, "core/a.txt")).Should().BeNull();
        var archive = async () => await sink.WriteArchiveAsync(id, new MemoryStream());
        (await archive.Should().ThrowAsync<GenerationNotFoundException>()).Which.GenerationId.Should().Be(id);
    }

    [Fact]
    public async Task DeleteAsync_OfAnIncompleteGeneration_RemovesIt()
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();

        (await sink.DeleteAsync(id)).Should().BeTrue();

        (await sink.GetManifestAsync(id)).Should().BeNull();
    }

    [Fact]
    public async Task DeleteAsync_Twice_ReturnsFalseTheSecondTime()
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();
        await sink.DeleteAsync(id);

        var again = await sink.DeleteAsync(id);

        again.Should().BeFalse();
    }

    [Fact]
    public async Task DeleteAsync_UnknownGeneration_ReturnsFalse()
    {
        var sink = await CreateSinkAsync();

        (await sink.DeleteAsync(NewId())).Should().BeFalse();
    }

    [Theory]
    [MemberData(nameof(HostileGenerationIds))]
    public async Task DeleteAsync_HostileGenerationId_ReturnsFalse_AndDeletesNothing(string generationId)
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();

        var deleted = await sink.DeleteAsync(generationId);

        deleted.Should().BeFalse();
        (await sink.GetManifestAsync(id))!.Files.Should().HaveCount(3);
    }

    [Fact]
    public async Task DeleteAsync_NullGenerationId_ReturnsFalse()
    {
        var sink = await CreateSinkAsync();

        (await sink.DeleteAsync(null!)).Should().BeFalse();
    }

    [Fact]
    public async Task DeleteAsync_CancelledBeforeItStarts_Throws_AndKeepsTheGeneration()
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();

        var act = async () => await sink.DeleteAsync(id, new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await sink.GetManifestAsync(id)).Should().NotBeNull();
    }

    [Fact]
    public async Task DeleteAsync_ThenCreateAsyncOfTheSameId_StartsAfresh()
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();
        await sink.DeleteAsync(id);

        await sink.CreateAsync(id, null);

        var manifest = await sink.GetManifestAsync(id);
        manifest!.Files.Should().BeEmpty();
        manifest.IsComplete.Should().BeFalse();
        (await sink.OpenReadAsync(id, "core/a.txt")).Should().BeNull();
        await sink.SavePhaseAsync(id, 1, [Text("core/a.txt", "new")]);
        (await ReadTextAsync(sink, id, "core/a.txt")).Should().Be("new");
    }

    [Fact]
    public async Task DeleteAsync_ThenSavePhaseAsync_ThrowsGenerationNotFound()
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();
        await sink.DeleteAsync(id);

        var act = async () => await sink.SavePhaseAsync(id, 3, [Text("late.txt", "late")]);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task DeleteAsync_ThenCompleteAsync_ThrowsGenerationNotFound()
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();
        await sink.DeleteAsync(id);

        var act = async () => await sink.CompleteAsync(id);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task DeleteAsync_ThenCreateFromAsyncOfIt_ThrowsGenerationNotFound()
    {
        var (sink, id) = await FailedAfterTwoPhasesAsync();
        await sink.DeleteAsync(id);

        var act = async () => await sink.CreateFromAsync(NewId(), id);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task DeleteAsync_OfAParent_KeepsEveryFileOfItsIterationReadable()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Text("kept.txt", "kept"), Text("changed.txt", "old")]);
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);
        await sink.SavePhaseAsync(child, 1, [Text("changed.txt", "new")]);
        await sink.CompleteAsync(child);

        await sink.DeleteAsync(parent);

        await AssertFilesAsync(sink, child, ("changed.txt", "new"), ("kept.txt", "kept"));
    }

    [Fact]
    public async Task DeleteAsync_OfAnIteration_KeepsEveryFileOfItsParentReadable()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Text("kept.txt", "kept"), Text("changed.txt", "old")]);
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);
        await sink.SavePhaseAsync(child, 1, [Text("changed.txt", "new")]);
        await sink.CompleteAsync(child);

        await sink.DeleteAsync(child);

        await AssertFilesAsync(sink, parent, ("changed.txt", "old"), ("kept.txt", "kept"));
    }

    [Fact]
    public async Task DeleteAsync_OfARetriedSource_KeepsEveryFileOfTheRetryReadable()
    {
        var (sink, source) = await FailedAfterTwoPhasesAsync();
        var retry = NewId();
        await sink.CreateFromAsync(retry, source);
        await sink.SavePhaseAsync(retry, 3, [Text("main.txt", "main")]);
        await sink.CompleteAsync(retry);

        await sink.DeleteAsync(source);

        await AssertFilesAsync(sink, retry, ("core/a.txt", "a2"), ("core/b.txt", "b1"), ("main.txt", "main"), ("user/model.txt", "user"));
    }

    [Fact]
    public async Task DeleteAsync_OfOneOfTwoUnrelatedGenerationsWithTheSameContent_KeepsTheOthersContent()
    {
        var sink = await CreateSinkAsync();
        var (first, second) = (NewId(), NewId());
        await sink.CreateAsync(first, null);
        await sink.CreateAsync(second, null);
        await sink.SavePhaseAsync(first, 1, [Text("a.txt", "same bytes"), Text("only-first.txt", "1")]);
        await sink.SavePhaseAsync(second, 1, [Text("elsewhere/b.txt", "same bytes")]);

        await sink.DeleteAsync(first);

        await AssertFilesAsync(sink, second, ("elsewhere/b.txt", "same bytes"));
    }

    [Fact]
    public async Task DeleteAsync_WhileAnotherGenerationSavesTheSameContent_LosesNothingOfTheOther()
    {
        var sink = await CreateSinkAsync();
        var ids = Enumerable.Range(0, 6).Select(_ => NewId()).ToArray();
        foreach (var id in ids)
        {
            await sink.CreateAsync(id, null);
            await sink.SavePhaseAsync(id, 1, [Text("shared.txt", "shared"), Text("own.txt", id)]);
        }

        // Even ids are deleted while odd ids keep saving phases with the very content being released.
        var deletes = ids.Where((_, i) => i % 2 == 0).Select(id => Task.Run(async () => await sink.DeleteAsync(id)));
        var saves = ids.Where((_, i) => i % 2 == 1).Select(id => Task.Run(async () =>
        {
            for (var phase = 2; phase <= 6; phase++)
            {
                await sink.SavePhaseAsync(id, phase, [Text($"p{phase}.txt", "shared"), Text("own.txt", $"{id}-{phase}")]);
            }
        }));
        await Task.WhenAll(deletes.Concat(saves)).WithPatience();

        foreach (var id in ids.Where((_, i) => i % 2 == 1))
        {
            await sink.CompleteAsync(id);
            await AssertFilesAsync(
                sink,
                id,
                new[] { ("own.txt", $"{id}-6"), ("shared.txt", "shared") }
                    .Concat(Enumerable.Range(2, 5).Select(p => ($"p{p}.txt", "shared")))
                    .ToArray());
        }

        foreach (var id in ids.Where((_, i) => i % 2 == 0))
        {
            (await sink.GetManifestAsync(id)).Should().BeNull();
        }
    }

    [Fact]
    public async Task DeleteAsync_LeavesTheArchiveOfAnotherGenerationWhole()
    {
        var (sink, parent) = await CreatedAsync();
        await sink.SavePhaseAsync(parent, 1, [Text("a.txt", "alpha"), Text("b/c.txt", "gamma")]);
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);
        await sink.CompleteAsync(child);
        await sink.DeleteAsync(parent);
        using var destination = new MemoryStream();

        await sink.WriteArchiveAsync(child, destination);

        destination.Position = 0;
        using var zip = new ZipArchive(destination, ZipArchiveMode.Read);
        zip.Entries.Select(e => e.FullName).Should().BeEquivalentTo("a.txt", "b/c.txt");
    }

    /// <summary>The generation lists exactly <paramref name="expected"/> and every one reads back with that text.</summary>
    private static async Task AssertFilesAsync(IFileSink sink, string id, params (string Path, string Text)[] expected)
    {
        var manifest = await sink.GetManifestAsync(id);
        manifest.Should().NotBeNull();
        manifest!.Files.Select(f => f.Path).Should().Equal(expected.Select(e => e.Path).Order(StringComparer.Ordinal));
        foreach (var (path, text) in expected)
        {
            (await ReadTextAsync(sink, id, path)).Should().Be(text, $"{path} is listed");
            manifest.Files.Single(f => f.Path == path).Should().Match<GenerationFile>(f => f.Sha256 == Sha256(text));
        }
    }
}
