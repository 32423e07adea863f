using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.TestUtilities;
using static Iteration.Streaming.Tests.Files.FileSystemSinkInspector;

namespace Iteration.Streaming.Tests.Files;

/// <summary>
/// What the file-system sink removes and when: content no manifest names, temp files, deleted generations; and what it
/// must never remove: content another generation names or a save in progress is about to name.
/// </summary>
public sealed class FileSystemFileSinkCleanupTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private FileSystemFileSink NewSink() => FileSystemSinkInspector.NewSink(_folder.Path);

    private static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private async Task<string> SavedAsync(FileSystemFileSink sink, params (string Path, string Content)[] files)
    {
        var id = NewId();
        await sink.CreateAsync(id, null);
        await sink.SavePhaseAsync(id, 1, files.Select(f => Text(f.Path, f.Content)).ToArray());
        return id;
    }

    /// <summary>Makes <paramref name="sink"/> stop once at <paramref name="step"/> until released: a save or create caught mid-way.</summary>
    private static (Task Reached, ManualResetEventSlim Release) PauseAt(FileSystemFileSink sink, string step) => PauseAt(sink, [step])[step];

    /// <summary>Makes <paramref name="sink"/> stop once at each of <paramref name="steps"/> until that step is released.</summary>
    private static Dictionary<string, (Task Reached, ManualResetEventSlim Release)> PauseAt(FileSystemFileSink sink, string[] steps)
    {
        var pauses = steps.ToDictionary(
            step => step,
            _ => (Reached: new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), Release: new ManualResetEventSlim(), Paused: new int[1]));
        sink.CrashPoint = name =>
        {
            if (pauses.TryGetValue(name, out var pause) && Interlocked.Exchange(ref pause.Paused[0], 1) == 0)
            {
                pause.Reached.SetResult();
                pause.Release.Wait(AsyncTestExtensions.Patience).Should().BeTrue("the test releases the paused step");
            }
        };
        return pauses.ToDictionary(p => p.Key, p => (p.Value.Reached.Task, p.Value.Release));
    }

    [Fact]
    public async Task CompleteAsync_KeepsReplacedContentTheHistoryNames_UntilTheGenerationIsDeleted()
    {
        var sink = NewSink();
        var id = await SavedAsync(sink, ("a.txt", "one"), ("b.txt", "b"));
        await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two"), GeneratedFile.Delete("b.txt")]);

        await sink.CompleteAsync(id);

        // Phase 1's state stays readable (a diff against it, a fork from it); deleting the generation frees it.
        StoredContent(_folder.Path).Should().BeEquivalentTo([Sha256("one"), Sha256("b"), Sha256("two")]);
        File.Exists(Path.Combine(_folder.Path, id, "content.journal")).Should().BeFalse();
        await AssertManifestAgreesWithFilesAsync(sink, id);
        (await sink.DeleteAsync(id)).Should().BeTrue();
        StoredContent(_folder.Path).Should().BeEmpty();
    }

    [Fact]
    public async Task CompleteAsync_KeepsAReplacedContentThatAnotherGenerationStillNames()
    {
        var sink = NewSink();
        var other = await SavedAsync(sink, ("keep.txt", "one"));
        var id = await SavedAsync(sink, ("a.txt", "one"));
        await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two")]);

        await sink.CompleteAsync(id);

        await AssertManifestAgreesWithFilesAsync(sink, other);
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task CompleteAsync_RemovesTheContentOfAPhaseThatNeverGotItsManifest()
    {
        var sink = NewSink();
        var id = await SavedAsync(sink, ("a.txt", "kept"));
        await SaveWithoutManifestAsync(sink, id, 2, Text("b.txt", "orphan"));
        File.Exists(ContentPath(_folder.Path, Sha256("orphan"))).Should().BeTrue("the crashed phase stored its content");

        // The run resumes: the phase is generated again, differently this time, and the run completes.
        await sink.SavePhaseAsync(id, 2, [Text("b.txt", "regenerated")]);
        await sink.CompleteAsync(id);

        File.Exists(ContentPath(_folder.Path, Sha256("orphan"))).Should().BeFalse();
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task CompleteAsync_RemovesTempFilesLeftByACrash()
    {
        var sink = NewSink();
        var id = await SavedAsync(sink, ("a.txt", "a"));
        var leftover = Path.Combine(_folder.Path, id, "tmp", "0123456789abcdef.tmp");
        await File.WriteAllTextAsync(leftover, "half written");

        await sink.CompleteAsync(id);

        File.Exists(leftover).Should().BeFalse();
    }

    [Fact]
    public async Task CompleteAsync_OfAnIteration_NeverRemovesTheParentsContent()
    {
        var sink = NewSink();
        var parent = await SavedAsync(sink, ("a.txt", "parent"), ("b.txt", "b"));
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);
        await sink.SavePhaseAsync(child, 1, [Text("a.txt", "child"), GeneratedFile.Delete("b.txt")]);

        await sink.CompleteAsync(child);

        await AssertManifestAgreesWithFilesAsync(sink, parent);
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task CreateFromAsync_RemovesTheContentTheSourcesFailedPhaseWroteWithoutAManifest()
    {
        var sink = NewSink();
        var source = await SavedAsync(sink, ("a.txt", "saved"));
        await SaveWithoutManifestAsync(sink, source, 2, Text("b.txt", "orphan"));
        var retry = NewId();

        await sink.CreateFromAsync(retry, source);

        File.Exists(ContentPath(_folder.Path, Sha256("orphan"))).Should().BeFalse();
        await AssertManifestAgreesWithFilesAsync(sink, source);
        await AssertManifestAgreesWithFilesAsync(sink, retry);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheFolder_AndTheContentNoOtherGenerationNames()
    {
        var sink = NewSink();
        var other = await SavedAsync(sink, ("shared.txt", "shared"));
        var id = await SavedAsync(sink, ("shared.txt", "shared"), ("own.txt", "own"));
        await sink.SavePhaseAsync(id, 2, [Text("own.txt", "own again")]);

        await sink.DeleteAsync(id);

        Directory.Exists(Path.Combine(_folder.Path, id)).Should().BeFalse();
        StoredContent(_folder.Path).Should().Equal(Sha256("shared"));
        await AssertManifestAgreesWithFilesAsync(sink, other);
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task DeleteAsync_OfAFailedRun_RemovesTheContentItsLastPhaseWroteWithoutAManifest()
    {
        var sink = NewSink();
        var id = await SavedAsync(sink, ("a.txt", "saved"));
        await SaveWithoutManifestAsync(sink, id, 2, Text("b.txt", "orphan"));

        await sink.DeleteAsync(id);

        StoredContent(_folder.Path).Should().BeEmpty();
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task DeleteAsync_OfEveryGeneration_LeavesNothingButEmptyFolders()
    {
        var sink = NewSink();
        var parent = await SavedAsync(sink, ("a.txt", "a"));
        await sink.CompleteAsync(parent);
        var child = NewId();
        await sink.CreateAsync(child, parent);
        await sink.SavePhaseAsync(child, 1, [Text("b.txt", "b")]);
        var retry = NewId();
        await sink.CreateFromAsync(retry, child);

        foreach (var id in new[] { child, parent, retry })
        {
            (await sink.DeleteAsync(id)).Should().BeTrue();
        }

        Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public async Task DeleteAsync_WhileAnotherGenerationsPhaseIsBetweenItsContentAndItsManifest_KeepsThatContent()
    {
        var sink = NewSink();
        var deleted = await SavedAsync(sink, ("a.txt", "about to be shared"));
        var saving = await SavedAsync(sink, ("x.txt", "x"));
        var (reached, release) = PauseAt(sink, "before-manifest");
        var save = Task.Run(async () => await sink.SavePhaseAsync(saving, 2, [Text("b.txt", "about to be shared")]));
        await reached.WithPatience();

        await sink.DeleteAsync(deleted);
        release.Set();
        await save.WithPatience();

        await AssertManifestAgreesWithFilesAsync(sink, saving);
        (await sink.GetManifestAsync(saving))!.Files.Select(f => f.Path).Should().Equal("b.txt", "x.txt");
    }

    [Fact]
    public async Task DeleteAsync_OfAParentWhileAnIterationOfItIsBeingCreated_KeepsTheIterationWhole()
    {
        var sink = NewSink();
        var parent = await SavedAsync(sink, ("a.txt", "a"), ("b.txt", "b"));
        await sink.CompleteAsync(parent);
        var child = NewId();
        var (reached, release) = PauseAt(sink, "before-rename:manifest.json");
        var create = Task.Run(async () => await sink.CreateAsync(child, parent));
        await reached.WithPatience();

        await sink.DeleteAsync(parent);
        release.Set();
        await create.WithPatience();

        (await sink.GetManifestAsync(child))!.Files.Select(f => f.Path).Should().Equal("a.txt", "b.txt");
        await AssertManifestAgreesWithFilesAsync(sink, child);
    }

    [Fact]
    public async Task DeleteAsync_WhileARetryOfItIsBeingCreated_KeepsTheRetryWhole()
    {
        var sink = NewSink();
        var source = await SavedAsync(sink, ("a.txt", "a"));
        var retry = NewId();
        var (reached, release) = PauseAt(sink, "before-rename:manifest.json");
        var create = Task.Run(async () => await sink.CreateFromAsync(retry, source));
        await reached.WithPatience();

        await sink.DeleteAsync(source);
        release.Set();
        await create.WithPatience();

        await AssertManifestAgreesWithFilesAsync(sink, retry);
        (await sink.GetManifestAsync(retry))!.Files.Should().ContainSingle();
    }

    [Fact]
    public async Task DeleteAsync_InOneInstance_KeepsContentAnotherInstanceSavedSinceTheFirstLastLooked()
    {
        var first = NewSink();
        var second = NewSink();
        var seen = await SavedAsync(second, ("y.txt", "y"));
        var deleted = await SavedAsync(first, ("x.txt", "x"));
        await first.DeleteAsync(await SavedAsync(first, ("warm.txt", "warm")));

        // The first instance has read the other manifest already; the second now makes it name "x" too.
        await second.SavePhaseAsync(seen, 2, [Text("x-too.txt", "x")]);
        await first.DeleteAsync(deleted);

        await AssertManifestAgreesWithFilesAsync(second, seen);
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task DeleteAsync_WhenAnotherManifestIsUnreadable_DeletesTheGeneration_ButNoContent()
    {
        var sink = NewSink();
        var id = await SavedAsync(sink, ("a.txt", "a"));
        var broken = await SavedAsync(sink, ("b.txt", "b"));
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, broken, "manifest.json"), "{ not json");

        (await sink.DeleteAsync(id)).Should().BeTrue();

        (await sink.GetManifestAsync(id)).Should().BeNull();
        File.Exists(ContentPath(_folder.Path, Sha256("a"))).Should().BeTrue("no sweep guesses what an unreadable manifest names");
    }

    [Fact]
    public async Task CompleteAsync_WhenItsSweepCannotFinish_KeepsTheJournal_SoALaterCompleteRemovesTheLeftovers()
    {
        var sink = NewSink();
        var broken = await SavedAsync(sink, ("b.txt", "b"));
        var brokenManifest = Path.Combine(_folder.Path, broken, "manifest.json");
        var good = await File.ReadAllTextAsync(brokenManifest);
        await File.WriteAllTextAsync(brokenManifest, "{ not json");
        var id = await SavedAsync(sink, ("a.txt", "one"));
        await SaveWithoutManifestAsync(sink, id, 2, Text("a.txt", "orphan"));
        await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two")]);

        await sink.CompleteAsync(id);
        File.Exists(ContentPath(_folder.Path, Sha256("orphan"))).Should().BeTrue("no sweep guesses what an unreadable manifest names");
        await File.WriteAllTextAsync(brokenManifest, good);
        await sink.CompleteAsync(id);

        File.Exists(ContentPath(_folder.Path, Sha256("orphan"))).Should().BeFalse();
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task DeleteAsync_AJournalWithForgedLines_RemovesNothingAnotherGenerationNames()
    {
        var sink = NewSink();
        var victim = await SavedAsync(sink, ("a.txt", "victim"));
        var id = await SavedAsync(sink, ("b.txt", "b"));
        var outside = Path.Combine(_folder.Path, "outside.txt");
        await File.WriteAllTextAsync(outside, "not the sink's");
        await File.AppendAllTextAsync(
            Path.Combine(_folder.Path, id, "content.journal"),
            $"../outside.txt\n{Sha256("victim")}\n{new string('z', 64)}\n{Sha256("victim").ToUpperInvariant()}\n");

        await sink.DeleteAsync(id);

        File.Exists(outside).Should().BeTrue();
        await AssertManifestAgreesWithFilesAsync(sink, victim);
    }

    [Fact]
    public async Task DeleteAsync_WhileASweepThatBeganDuringTheGenerationsLastSaveRuns_StillRemovesThatSavesContent()
    {
        var sink = NewSink();
        var completing = await SavedAsync(sink, ("a.txt", "one"));
        await sink.SavePhaseAsync(completing, 2, [Text("a.txt", "two")]);
        var deleted = await SavedAsync(sink, ("d.txt", "first"));
        var pauses = PauseAt(sink, ["before-manifest", "sweep-begun", "after-delete-move"]);

        // The completion's sweep begins while the last save of the generation to delete holds its new content...
        var save = Task.Run(async () => await sink.SavePhaseAsync(deleted, 2, [Text("d.txt", "last")]));
        await pauses["before-manifest"].Reached.WithPatience();
        var complete = Task.Run(async () => await sink.CompleteAsync(completing));
        await pauses["sweep-begun"].Reached.WithPatience();
        pauses["before-manifest"].Release.Set();
        await save.WithPatience();

        // ...and that generation is deleted (moved under .deleted/) before the sweep goes on.
        var delete = Task.Run(async () => await sink.DeleteAsync(deleted));
        await pauses["after-delete-move"].Reached.WithPatience();
        pauses["sweep-begun"].Release.Set();
        await complete.WithPatience();
        pauses["after-delete-move"].Release.Set();
        await delete.WithPatience();

        File.Exists(ContentPath(_folder.Path, Sha256("last"))).Should().BeFalse("no writer holds it any more and no manifest names it");
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeleteAsync_OfTheLastGenerationWhoseHistoryNamesAContentCarriedFromADeletedSource_RemovesIt(bool retry)
    {
        var sink = NewSink();
        var source = await SavedAsync(sink, ("a.txt", "source's"), ("b.txt", "kept"));
        await sink.CompleteAsync(source);
        var carrier = NewId();
        if (retry)
        {
            await sink.CreateFromAsync(carrier, source);
        }
        else
        {
            await sink.CreateAsync(carrier, source);
        }

        await sink.DeleteAsync(source);
        await sink.SavePhaseAsync(carrier, 2, [Text("a.txt", "replaced")]);
        await sink.CompleteAsync(carrier);

        File.Exists(ContentPath(_folder.Path, Sha256("source's"))).Should().BeTrue("the carrier's history (the state it started from) still names it");
        await AssertManifestAgreesWithFilesAsync(sink, carrier);
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
        await sink.DeleteAsync(carrier);
        File.Exists(ContentPath(_folder.Path, Sha256("source's"))).Should().BeFalse("the last manifest that named it is gone");
        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }

    [Fact]
    public async Task ManySavesCompletesAndDeletesAtOnce_LeaveEveryManifestAgreeingWithTheStore()
    {
        var sink = NewSink();
        var ids = Enumerable.Range(0, 12).Select(_ => NewId()).ToArray();
        foreach (var id in ids)
        {
            await sink.CreateAsync(id, null);
        }

        await Task.WhenAll(ids.Select((id, i) => Task.Run(async () =>
        {
            for (var phase = 1; phase <= 4; phase++)
            {
                // A few contents shared by everyone, some replaced phase after phase, some of the generation's own.
                await sink.SavePhaseAsync(id, phase, [Text("shared.txt", $"shared {phase % 2}"), Text("own.txt", $"{id} {phase}"), Text($"p{phase}.txt", "common")]);
            }

            if (i % 3 == 0)
            {
                await sink.DeleteAsync(id);
            }
            else
            {
                await sink.CompleteAsync(id);
            }
        }))).WithPatience();

        foreach (var id in ids.Where((_, i) => i % 3 != 0))
        {
            await AssertManifestAgreesWithFilesAsync(sink, id);
        }

        AssertStoreHoldsExactlyTheListedContent(_folder.Path);
    }
}
