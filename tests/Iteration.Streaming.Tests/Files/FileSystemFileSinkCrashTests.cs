using Iteration.Streaming.Files;
using static Iteration.Streaming.Tests.Files.FileSystemSinkInspector;

namespace Iteration.Streaming.Tests.Files;

/// <summary>
/// A crash at any step of any write (simulated by throwing at each crash point in turn) leaves a manifest that agrees
/// with the files, and the next run of the sink (a new instance over the same root) finishes whatever cleanup was cut short.
/// </summary>
public sealed class FileSystemFileSinkCrashTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private FileSystemFileSink NewSink() => FileSystemSinkInspector.NewSink(_folder.Path);

    /// <summary>
    /// Runs <paramref name="act"/> once per crash point it reaches, crashing at the first, then the second… until a run
    /// reaches no more; <paramref name="arrange"/> builds fresh state for each run and <paramref name="assert"/> checks
    /// it with a restarted sink. Returns the steps crashed at.
    /// </summary>
    private async Task<List<string>> CrashAtEveryStepAsync<T>(
        Func<FileSystemFileSink, Task<T>> arrange,
        Func<FileSystemFileSink, T, Task> act,
        Func<FileSystemFileSink, T, Task> assert)
    {
        var crashedAt = new List<string>();
        for (var crashAt = 1; ; crashAt++)
        {
            var sink = NewSink();
            var state = await arrange(sink);
            var step = 0;
            string? crashed = null;
            sink.CrashPoint = name =>
            {
                if (++step == crashAt)
                {
                    crashed = name;
                    throw new SimulatedCrashException();
                }
            };

            try
            {
                await act(sink, state);
            }
            catch (SimulatedCrashException)
            {
            }

            await assert(NewSink(), state);
            if (crashed is null)
            {
                return crashedAt;
            }

            crashedAt.Add(crashed);
        }
    }

    [Fact]
    public async Task CrashBetweenContentAndManifest_LeavesTheManifestOfThePreviousPhase_WhoseFilesAllExist()
    {
        var sink = NewSink();
        var id = NewId();
        await sink.CreateAsync(id, null);
        await sink.SavePhaseAsync(id, 1, [Text("a.txt", "one"), Text("b.txt", "b")]);
        sink.CrashPoint = step => { if (step == "before-manifest") { throw new SimulatedCrashException(); } };

        var act = async () => await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two"), Text("c.txt", "c"), GeneratedFile.Delete("b.txt")]);

        await act.Should().ThrowAsync<SimulatedCrashException>();
        var restarted = NewSink();
        (await restarted.GetManifestAsync(id))!.Files.Select(f => (f.Path, f.Phase)).Should().Equal(("a.txt", 1), ("b.txt", 1));
        await AssertManifestAgreesWithFilesAsync(restarted, id);
    }

    [Fact]
    public async Task CrashAtAnySaveStep_TheManifestIsTheOldOrTheNewPhase_AndCompletingLeavesNoOrphan()
    {
        var crashedAt = await CrashAtEveryStepAsync(
            async sink =>
            {
                var id = NewId();
                await sink.CreateAsync(id, null);
                await sink.SavePhaseAsync(id, 1, [Text("a.txt", "one"), Text("b.txt", "b")]);
                return id;
            },
            async (sink, id) => await sink.SavePhaseAsync(id, 2, [Text("a.txt", "two"), Text("c.txt", "c"), GeneratedFile.Delete("b.txt")]),
            async (restarted, id) =>
            {
                var paths = (await restarted.GetManifestAsync(id))!.Files.Select(f => f.Path).ToArray();
                string.Join(",", paths).Should().BeOneOf("a.txt,b.txt", "a.txt,c.txt");
                await AssertManifestAgreesWithFilesAsync(restarted, id);

                // After the crash the next save works as if nothing happened, and completing removes what the crash left.
                await restarted.SavePhaseAsync(id, 3, [Text("d.txt", "d")]);
                await restarted.CompleteAsync(id);
                await AssertManifestAgreesWithFilesAsync(restarted, id);
                AssertStoreHoldsExactlyTheListedContent(_folder.Path);
            });

        crashedAt.Should().Contain("after-journal").And.Contain("before-manifest").And.Contain("before-rename:manifest.json").And.Contain("after-manifest");
        crashedAt.Count(s => s.StartsWith("before-rename:", StringComparison.Ordinal)).Should().Be(3, "two contents and the manifest are renamed into place");
    }

    [Fact]
    public async Task CrashAtAnyCompleteStep_TheNextCompleteFinishesTheCleanup()
    {
        var crashedAt = await CrashAtEveryStepAsync(
            async sink =>
            {
                var id = NewId();
                await sink.CreateAsync(id, null);
                await sink.SavePhaseAsync(id, 1, [Text("a.txt", $"{id} one"), Text("b.txt", $"{id} b")]);
                await SaveWithoutManifestAsync(sink, id, 2, Text("a.txt", $"{id} orphan"));
                await sink.SavePhaseAsync(id, 2, [Text("a.txt", $"{id} two"), GeneratedFile.Delete("b.txt")]);
                return id;
            },
            async (sink, id) => await sink.CompleteAsync(id),
            async (restarted, id) =>
            {
                await AssertManifestAgreesWithFilesAsync(restarted, id);
                await restarted.CompleteAsync(id);
                (await restarted.GetManifestAsync(id))!.IsComplete.Should().BeTrue();
                await AssertManifestAgreesWithFilesAsync(restarted, id);
                AssertStoreHoldsExactlyTheListedContent(_folder.Path);
            });

        crashedAt.Should().Contain("after-complete-manifest").And.Contain(s => s.StartsWith("sweep-delete:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CrashAtAnyDeleteStep_TheGenerationIsGone_OthersAreWhole_AndTheNextSweepFinishesTheJob()
    {
        var crashedAt = await CrashAtEveryStepAsync(
            async sink =>
            {
                var parent = NewId();
                await sink.CreateAsync(parent, null);
                await sink.SavePhaseAsync(parent, 1, [Text("shared.txt", $"{parent} shared"), Text("own.txt", $"{parent} own")]);
                await SaveWithoutManifestAsync(sink, parent, 2, Text("orphan.txt", $"{parent} orphan"));
                var child = NewId();
                await sink.CreateAsync(child, parent);
                await sink.SavePhaseAsync(child, 1, [GeneratedFile.Delete("own.txt")]);
                await sink.CompleteAsync(child);
                return (Parent: parent, Child: child);
            },
            async (sink, ids) => await sink.DeleteAsync(ids.Parent),
            async (restarted, ids) =>
            {
                (await restarted.GetManifestAsync(ids.Parent)).Should().BeNull("the delete took effect with its first step");
                await AssertManifestAgreesWithFilesAsync(restarted, ids.Child);

                // Any later sweep finishes the delete, here the retention of another generation.
                var other = NewId();
                await restarted.CreateAsync(other, null);
                (await restarted.DeleteAsync(other)).Should().BeTrue();
                AssertStoreHoldsExactlyTheListedContent(_folder.Path);
                await AssertManifestAgreesWithFilesAsync(restarted, ids.Child);
            });

        crashedAt.Should().Contain("after-delete-move").And.Contain("sweep-remove-folder");
        crashedAt.Count(s => s.StartsWith("sweep-delete:", StringComparison.Ordinal)).Should().Be(1, "the parent's orphan is removed; its own content stays, named by the child's history (phase 0)");
    }

    [Fact]
    public async Task CrashAtAnyRetryCreateStep_LeavesNoRetry_AndCreatingItAgainWorks()
    {
        var crashedAt = await CrashAtEveryStepAsync(
            async sink =>
            {
                var source = NewId();
                await sink.CreateAsync(source, null);
                await sink.SavePhaseAsync(source, 1, [Text("a.txt", $"{source} a")]);
                return (Source: source, Retry: NewId());
            },
            async (sink, ids) => await sink.CreateFromAsync(ids.Retry, ids.Source),
            async (restarted, ids) =>
            {
                if (await restarted.GetManifestAsync(ids.Retry) is null)
                {
                    await restarted.CreateFromAsync(ids.Retry, ids.Source);
                }

                (await restarted.GetManifestAsync(ids.Retry))!.Files.Should().ContainSingle();
                await AssertManifestAgreesWithFilesAsync(restarted, ids.Retry);
                await AssertManifestAgreesWithFilesAsync(restarted, ids.Source);
            });

        crashedAt.Should().Contain("before-rename:manifest.json");
    }

    private sealed class SimulatedCrashException : Exception;
}
