using System.Text;
using FluentAssertions;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// The contract of the file history: <see cref="IFileSink.GetHistoryAsync"/>, <see cref="IFileSink.CreateForkAsync"/>,
/// <see cref="IFileSink.OpenContentAsync"/>, and retention counting the states a history names.
/// </summary>
public abstract partial class FileSinkContractTests
{
    public static TheoryData<string> NotSha256 => new()
    {
        "",
        "abc",
        "../../etc/passwd",
        new string('a', 63),
        new string('a', 65),
        new string('g', 64),
        Sha256("upper").ToUpperInvariant(),
        Sha256("slash")[..62] + "/x",
    };

    /// <summary>
    /// Saves phases 1–3 (an overwrite, a delete, a new file) and returns the manifest's files as they were after each
    /// phase, index = phase (0: empty).
    /// </summary>
    private static async Task<IReadOnlyList<GenerationFile>[]> SaveThreePhasesAsync(IFileSink sink, string id)
    {
        var states = new List<IReadOnlyList<GenerationFile>> { (await sink.GetManifestAsync(id))!.Files };
        states.Add((await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a1"), Text("b.txt", "b1")])).Files);
        states.Add((await sink.SavePhaseAsync(id, 2, [Text("a.txt", "a2"), GeneratedFile.Delete("b.txt"), Text("c.txt", "c2")])).Files);
        states.Add((await sink.SavePhaseAsync(id, 3, [Text("d.txt", "d3")])).Files);
        return [.. states];
    }

    private async Task<(IFileSink Sink, string Id, IReadOnlyList<GenerationFile>[] States)> SavedThreePhasesAsync()
    {
        var (sink, id) = await CreatedAsync();
        return (sink, id, await SaveThreePhasesAsync(sink, id));
    }

    private static async Task<FileHistory> HistoryAsync(IFileSink sink, string id)
    {
        var history = await sink.GetHistoryAsync(id);
        history.Should().NotBeNull();
        return history!;
    }

    private static async Task<string?> ReadContentAsync(IFileSink sink, string id, GenerationFile file)
    {
        await using var stream = await sink.OpenContentAsync(id, file);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private static GenerationFile FileOf(string path, string content, int phase = 1) =>
        new() { Path = path, Size = Encoding.UTF8.GetByteCount(content), Phase = phase, Sha256 = Sha256(content) };

    [Fact]
    public async Task GetHistoryAsync_NewGeneration_IsOneEmptyPhaseZero()
    {
        var (sink, id) = await CreatedAsync();

        var history = await HistoryAsync(sink, id);

        history.Entries.Should().ContainSingle().Which.Phase.Should().Be(0);
        history.StateAt(0).Should().BeEmpty();
        history.StartPhase.Should().Be(0);
        history.SavedPhases.Should().Equal(0);
    }

    [Fact]
    public async Task GetHistoryAsync_Iteration_PhaseZeroIsTheParentsFilesAtPhaseZero()
    {
        var (sink, parent, _) = await SavedThreePhasesAsync();
        await sink.CompleteAsync(parent);
        var child = NewId();

        await sink.CreateAsync(child, parent);

        var history = await HistoryAsync(sink, child);
        history.StartPhase.Should().Be(0);
        history.SavedPhases.Should().Equal(0);
        history.StateAt(0).Should().Equal((await sink.GetManifestAsync(child))!.Files);
        history.StateAt(0)!.Select(f => (f.Path, f.Phase, f.Sha256)).Should().Equal(
            ("a.txt", 0, Sha256("a2")), ("c.txt", 0, Sha256("c2")), ("d.txt", 0, Sha256("d3")));
    }

    [Fact]
    public async Task GetHistoryAsync_EachSave_AppendsOneEntry_EvenAnEmptyOne()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "a")]);

        await sink.SavePhaseAsync(id, 2, []);

        var history = await HistoryAsync(sink, id);
        history.Entries.Select(e => e.Phase).Should().Equal(0, 1, 2);
        history.Entries[2].Written.Should().BeEmpty();
        history.Entries[2].Deleted.Should().BeEmpty();
        history.StateAt(2).Should().Equal(history.StateAt(1));
    }

    [Fact]
    public async Task GetHistoryAsync_ASecondSaveOfThePhase_IsAnotherEntryOfThatPhase_AndItsStateIsTheLast()
    {
        var (sink, id) = await CreatedAsync();
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "generated"), Text("b.txt", "b")]);

        // A review gate's edits are saved under the phase they review.
        var edited = await sink.SavePhaseAsync(id, 1, [Text("a.txt", "edited"), GeneratedFile.Delete("b.txt")]);

        var history = await HistoryAsync(sink, id);
        history.Entries.Select(e => e.Phase).Should().Equal(0, 1, 1);
        history.SavedPhases.Should().Equal(0, 1);
        history.StateAt(1).Should().Equal(edited.Files);
        history.Entries[2].Deleted.Should().Equal("b.txt");
    }

    [Fact]
    public async Task StateAt_EachSavedPhase_EqualsTheManifestAsItWasAfterThatPhase()
    {
        var (sink, id, states) = await SavedThreePhasesAsync();

        var history = await HistoryAsync(sink, id);

        history.SavedPhases.Should().Equal(0, 1, 2, 3);
        for (var phase = 0; phase <= 3; phase++)
        {
            history.StateAt(phase).Should().Equal(states[phase], $"phase {phase} was saved so");
        }

        history.StateAt(3).Should().Equal((await sink.GetManifestAsync(id))!.Files);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public async Task StateAt_APhaseNotSaved_IsNull(int phase)
    {
        var (sink, id, _) = await SavedThreePhasesAsync();

        var history = await HistoryAsync(sink, id);

        history.StateAt(phase).Should().BeNull();
    }

    [Fact]
    public async Task GetHistoryAsync_UnknownGeneration_IsNull()
    {
        var sink = await CreateSinkAsync();

        (await sink.GetHistoryAsync(NewId())).Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(HostileGenerationIds))]
    public async Task GetHistoryAsync_HostileGenerationId_IsNull(string generationId)
    {
        var sink = await CreateSinkAsync();

        (await sink.GetHistoryAsync(generationId)).Should().BeNull();
    }

    [Fact]
    public async Task GetHistoryAsync_OfADeletedGeneration_IsNull()
    {
        var (sink, id, _) = await SavedThreePhasesAsync();

        await sink.DeleteAsync(id);

        (await sink.GetHistoryAsync(id)).Should().BeNull();
    }

    [Fact]
    public async Task CreateFromAsync_CarriesTheSourcesWholeHistory_StartingAfterItsLastPhase()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        var retry = NewId();

        await sink.CreateFromAsync(retry, source);

        var history = await HistoryAsync(sink, retry);
        history.StartPhase.Should().Be(3);
        history.Entries.Should().BeEquivalentTo((await HistoryAsync(sink, source)).Entries, o => o.WithStrictOrdering());
        for (var phase = 0; phase <= 3; phase++)
        {
            history.StateAt(phase).Should().Equal(states[phase]);
        }
    }

    [Fact]
    public async Task CreateFromAsync_ThenSavingAPhase_AppendsToTheCarriedHistory_AndLeavesTheSourcesAlone()
    {
        var (sink, source, _) = await SavedThreePhasesAsync();
        var retry = NewId();
        await sink.CreateFromAsync(retry, source);

        var saved = await sink.SavePhaseAsync(retry, 4, [Text("e.txt", "e4")]);

        (await HistoryAsync(sink, retry)).StateAt(4).Should().Equal(saved.Files);
        (await HistoryAsync(sink, source)).SavedPhases.Should().Equal(0, 1, 2, 3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task CreateForkAsync_StartsWithTheSourcesStateAtThePhase_KeepingPhaseNumbers(int phase)
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        var fork = NewId();

        await sink.CreateForkAsync(fork, source, phase);

        var manifest = await sink.GetManifestAsync(fork);
        manifest!.GenerationId.Should().Be(fork);
        manifest.IsComplete.Should().BeFalse();
        manifest.Files.Should().Equal(states[phase]);
        foreach (var file in states[phase])
        {
            (await ReadTextAsync(sink, fork, file.Path)).Should().NotBeNull();
            manifest.Files.Single(f => f.Path == file.Path).Sha256.Should().Be(file.Sha256);
        }
    }

    [Fact]
    public async Task CreateForkAsync_HistoryIsTheSourcesThroughThePhase_StartingAfterIt()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        var fork = NewId();

        await sink.CreateForkAsync(fork, source, 2);

        var history = await HistoryAsync(sink, fork);
        history.StartPhase.Should().Be(2);
        history.SavedPhases.Should().Equal(0, 1, 2);
        history.Entries.Should().BeEquivalentTo((await HistoryAsync(sink, source)).Through(2).Entries, o => o.WithStrictOrdering());
        history.StateAt(1).Should().Equal(states[1]);
        history.StateAt(2).Should().Equal(states[2]);
        history.StateAt(3).Should().BeNull();
    }

    [Fact]
    public async Task CreateForkAsync_FromACompleteSource_StartsAnIncompleteManifest_AndLeavesTheSourceAsItIs()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        await sink.CompleteAsync(source);
        var fork = NewId();

        await sink.CreateForkAsync(fork, source, 1);
        await sink.SavePhaseAsync(fork, 2, [Text("a.txt", "fork a2")]);

        (await sink.GetManifestAsync(source)).Should().BeEquivalentTo(new FileManifest { GenerationId = source, IsComplete = true, Files = states[3] });
        (await ReadTextAsync(sink, source, "a.txt")).Should().Be("a2");
        (await ReadTextAsync(sink, fork, "a.txt")).Should().Be("fork a2");
        (await sink.GetManifestAsync(fork))!.IsComplete.Should().BeFalse();
    }

    [Fact]
    public async Task CreateForkAsync_ThenSavingLaterPhases_AppendsToTheKeptHistory()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        var fork = NewId();
        await sink.CreateForkAsync(fork, source, 1);

        var saved = await sink.SavePhaseAsync(fork, 2, [Text("z.txt", "z2")]);

        var history = await HistoryAsync(sink, fork);
        history.SavedPhases.Should().Equal(0, 1, 2);
        history.StateAt(1).Should().Equal(states[1]);
        history.StateAt(2).Should().Equal(saved.Files);
        saved.Files.Select(f => (f.Path, f.Phase)).Should().Equal(("a.txt", 1), ("b.txt", 1), ("z.txt", 2));
    }

    [Fact]
    public async Task CreateForkAsync_OfAFork_KeepsTheFirstSourcesEarlierStates()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        var fork = NewId();
        await sink.CreateForkAsync(fork, source, 2);
        var forkPhase3 = await sink.SavePhaseAsync(fork, 3, [Text("f.txt", "f3")]);
        var second = NewId();

        await sink.CreateForkAsync(second, fork, 3);

        var history = await HistoryAsync(sink, second);
        history.StartPhase.Should().Be(3);
        history.StateAt(1).Should().Equal(states[1]);
        history.StateAt(2).Should().Equal(states[2]);
        history.StateAt(3).Should().Equal(forkPhase3.Files);
        (await ReadContentAsync(sink, second, states[1].Single(f => f.Path == "a.txt"))).Should().Be("a1");
        (await ReadTextAsync(sink, second, "f.txt")).Should().Be("f3");
    }

    [Fact]
    public async Task CreateForkAsync_OfAnIteration_KeepsItsPhaseZero()
    {
        var (sink, parent, _) = await SavedThreePhasesAsync();
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);
        await sink.SavePhaseAsync(child, 1, [Text("a.txt", "child a1")]);
        var fork = NewId();

        await sink.CreateForkAsync(fork, child, 1);

        var history = await HistoryAsync(sink, fork);
        history.StateAt(0).Should().Equal((await HistoryAsync(sink, child)).StateAt(0));
        (await ReadTextAsync(sink, fork, "a.txt")).Should().Be("child a1");
        (await ReadTextAsync(sink, fork, "d.txt")).Should().Be("d3");
    }

    [Fact]
    public async Task CreateForkAsync_UnknownSource_ThrowsGenerationNotFound_AndCreatesNothing()
    {
        var sink = await CreateSinkAsync();
        var (fork, source) = (NewId(), NewId());

        var act = async () => await sink.CreateForkAsync(fork, source, 1);

        (await act.Should().ThrowAsync<GenerationNotFoundException>()).Which.GenerationId.Should().Be(source);
        (await sink.GetManifestAsync(fork)).Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(HostileGenerationIds))]
    public async Task CreateForkAsync_HostileSourceId_ThrowsGenerationNotFound(string sourceGenerationId)
    {
        var sink = await CreateSinkAsync();

        var act = async () => await sink.CreateForkAsync(NewId(), sourceGenerationId, 1);

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Theory]
    [MemberData(nameof(HostileGenerationIds))]
    public async Task CreateForkAsync_HostileGenerationId_ThrowsArgumentException(string generationId)
    {
        var (sink, source, _) = await SavedThreePhasesAsync();

        var act = async () => await sink.CreateForkAsync(generationId, source, 1);

        await act.Should().ThrowAsync<ArgumentException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(int.MaxValue)]
    public async Task CreateForkAsync_APhaseNotSavedOrZero_ThrowsArgumentOutOfRange_AndCreatesNothing(int phase)
    {
        var (sink, source, _) = await SavedThreePhasesAsync();
        var fork = NewId();

        var act = async () => await sink.CreateForkAsync(fork, source, phase);

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.ParamName.Should().Be("throughPhase");
        (await sink.GetManifestAsync(fork)).Should().BeNull();
    }

    [Fact]
    public async Task CreateForkAsync_ASourceThatSavedNoPhase_ThrowsArgumentOutOfRange()
    {
        var (sink, source) = await CreatedAsync();

        var act = async () => await sink.CreateForkAsync(NewId(), source, 1);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task CreateForkAsync_AnExistingGeneration_ThrowsInvalidOperation_AndKeepsItsFiles()
    {
        var (sink, source, _) = await SavedThreePhasesAsync();
        var existing = NewId();
        await sink.CreateAsync(existing, null);
        var before = await sink.SavePhaseAsync(existing, 1, [Text("mine.txt", "mine")]);

        var act = async () => await sink.CreateForkAsync(existing, source, 1);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{existing}*exists*");
        (await sink.GetManifestAsync(existing)).Should().BeEquivalentTo(before);
        (await ReadTextAsync(sink, existing, "mine.txt")).Should().Be("mine");
    }

    [Fact]
    public async Task OpenContentAsync_AnyStateOfTheGenerationsHistory_OpensItsContent()
    {
        var (sink, id, states) = await SavedThreePhasesAsync();

        foreach (var (path, phase, text) in new[] { ("a.txt", 1, "a1"), ("b.txt", 1, "b1"), ("a.txt", 2, "a2"), ("c.txt", 3, "c2"), ("d.txt", 3, "d3") })
        {
            (await ReadContentAsync(sink, id, states[phase].Single(f => f.Path == path))).Should().Be(text, $"{path} of phase {phase}");
        }
    }

    [Fact]
    public async Task OpenContentAsync_ContentOnlyAnotherGenerationNames_IsNull()
    {
        var (sink, other, _) = await SavedThreePhasesAsync();
        var id = NewId();
        await sink.CreateAsync(id, null);
        await sink.SavePhaseAsync(id, 1, [Text("mine.txt", "mine")]);

        var opened = await sink.OpenContentAsync(id, FileOf("a.txt", "a1"));

        opened.Should().BeNull("generation '{0}' has that content, this one's history does not name it", other);
    }

    [Fact]
    public async Task OpenContentAsync_ASourcesLaterPhaseThroughItsFork_IsNull()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        var fork = NewId();
        await sink.CreateForkAsync(fork, source, 1);

        var opened = await sink.OpenContentAsync(fork, states[3].Single(f => f.Path == "d.txt"));

        opened.Should().BeNull("the fork kept phase 1 only");
    }

    [Fact]
    public async Task OpenContentAsync_AParentsEarlierStateThroughItsIteration_IsNull()
    {
        var (sink, parent, states) = await SavedThreePhasesAsync();
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);

        var opened = await sink.OpenContentAsync(child, states[1].Single(f => f.Path == "a.txt"));

        opened.Should().BeNull("the iteration started from the parent's last state");
    }

    [Theory]
    [MemberData(nameof(NotSha256))]
    public async Task OpenContentAsync_AHashThatIsNotASha256_IsNull(string sha256)
    {
        var (sink, id, _) = await SavedThreePhasesAsync();

        var opened = await sink.OpenContentAsync(id, FileOf("a.txt", "a1") with { Sha256 = sha256 });

        opened.Should().BeNull();
    }

    [Fact]
    public async Task OpenContentAsync_UnknownGeneration_IsNull()
    {
        var (sink, _, _) = await SavedThreePhasesAsync();

        (await sink.OpenContentAsync(NewId(), FileOf("a.txt", "a1"))).Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(HostileGenerationIds))]
    public async Task OpenContentAsync_HostileGenerationId_IsNull(string generationId)
    {
        var (sink, _, _) = await SavedThreePhasesAsync();

        (await sink.OpenContentAsync(generationId, FileOf("a.txt", "a1"))).Should().BeNull();
    }

    [Fact]
    public async Task OpenContentAsync_NullFile_ThrowsArgumentNull()
    {
        var (sink, id, _) = await SavedThreePhasesAsync();

        var act = async () => await sink.OpenContentAsync(id, null!);

        await act.Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task DeleteAsync_OfAForkedSource_KeepsEveryStateOfTheForkReadable()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        await sink.CompleteAsync(source);
        var fork = NewId();
        await sink.CreateForkAsync(fork, source, 2);

        await sink.DeleteAsync(source);

        await AssertFilesAsync(sink, fork, ("a.txt", "a2"), ("c.txt", "c2"));
        (await ReadContentAsync(sink, fork, states[1].Single(f => f.Path == "a.txt"))).Should().Be("a1");
        (await ReadContentAsync(sink, fork, states[1].Single(f => f.Path == "b.txt"))).Should().Be("b1");
        (await sink.OpenContentAsync(fork, states[3].Single(f => f.Path == "d.txt"))).Should().BeNull();
    }

    [Fact]
    public async Task DeleteAsync_OfAFork_KeepsEveryStateOfItsSourceReadable()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        await sink.CompleteAsync(source);
        var fork = NewId();
        await sink.CreateForkAsync(fork, source, 1);
        await sink.SavePhaseAsync(fork, 2, [Text("a.txt", "fork a2")]);
        await sink.CompleteAsync(fork);

        await sink.DeleteAsync(fork);

        await AssertFilesAsync(sink, source, ("a.txt", "a2"), ("c.txt", "c2"), ("d.txt", "d3"));
        (await ReadContentAsync(sink, source, states[1].Single(f => f.Path == "b.txt"))).Should().Be("b1");
    }

    [Fact]
    public async Task DeleteAsync_OfAGeneration_KeepsEveryEarlierStateOfItsRetryReadable()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        var retry = NewId();
        await sink.CreateFromAsync(retry, source);

        await sink.DeleteAsync(source);

        (await ReadContentAsync(sink, retry, states[1].Single(f => f.Path == "a.txt"))).Should().Be("a1");
        (await ReadContentAsync(sink, retry, states[1].Single(f => f.Path == "b.txt"))).Should().Be("b1");
    }

    [Fact]
    public async Task DeleteAsync_OfAForkAndItsSourceWithAForkOfTheForkLeft_KeepsItsEveryState()
    {
        var (sink, source, states) = await SavedThreePhasesAsync();
        var fork = NewId();
        await sink.CreateForkAsync(fork, source, 2);
        await sink.SavePhaseAsync(fork, 3, [Text("f.txt", "f3")]);
        var second = NewId();
        await sink.CreateForkAsync(second, fork, 3);

        await sink.DeleteAsync(source);
        await sink.DeleteAsync(fork);

        await AssertFilesAsync(sink, second, ("a.txt", "a2"), ("c.txt", "c2"), ("f.txt", "f3"));
        (await ReadContentAsync(sink, second, states[1].Single(f => f.Path == "b.txt"))).Should().Be("b1");
    }
}
