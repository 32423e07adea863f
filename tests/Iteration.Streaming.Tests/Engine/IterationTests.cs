using System.Text;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Runs;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Engine;

public sealed class IterationTests
{
    /// <summary>An iteration that rewrites one file, adds one and deletes one.</summary>
    private static IEnumerable<GeneratedFile> Modification(PhaseContext context)
    {
        if (context.ParentGenerationId is null)
        {
            return ScriptedGenerator.DefaultFiles(context);
        }

        return context.Phase.Number switch
        {
            1 => [GeneratedFile.FromText("src/phase1/file0.txt", "rewritten"), GeneratedFile.FromText("src/auth.txt", "new")],
            2 => [GeneratedFile.Delete("src/user/file3.txt")],
            _ => [],
        };
    }

    private static async Task<string> ReadAsync(IFileSink sink, string id, string path)
    {
        await using var stream = await sink.OpenReadAsync(id, path);
        using var reader = new StreamReader(stream!, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task IterateAsync_StartsFromTheParentsFiles_WritesOverwrite_DeletesAreExplicit(SinkKind sink)
    {
        await using var harness = EngineHarness.Create(sink);
        harness.Generator.Files = Modification;
        var parent = await harness.CompleteGenerationAsync("User");

        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "Add user authentication"));
        var events = await harness.ReadToEndAsync(id);

        events[0].Message.Should().Be("Starting iteration...");
        events.Should().NotContain(e => e.Stage == GenerationStages.Validation, "the only missing parent file was deleted explicitly");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events[^1].Message.Should().Be("Iteration completed successfully with 16 files");
        var manifest = (await harness.Sink.GetManifestAsync(id))!;
        manifest.Files.Should().HaveCount(16);
        manifest.Files.Should().NotContain(f => f.Path == "src/user/file3.txt");
        manifest.Files.Single(f => f.Path == "src/auth.txt").Phase.Should().Be(1);
        manifest.Files.Single(f => f.Path == "src/phase1/file0.txt").Phase.Should().Be(1);
        manifest.Files.Single(f => f.Path == "src/phase1/file1.txt").Phase.Should().Be(0, "carried over untouched");
        (await ReadAsync(harness.Sink, id, "src/phase1/file0.txt")).Should().Be("rewritten");
        (await ReadAsync(harness.Sink, id, "src/phase1/file1.txt")).Should().Be($"{parent} phase 1 file 1");
        (await ReadAsync(harness.Sink, parent, "src/phase1/file0.txt")).Should().Be($"{parent} phase 1 file 0", "the parent is never changed");
        (await harness.Sink.GetManifestAsync(parent))!.Files.Should().HaveCount(16);
    }

    [Fact]
    public async Task IterateAsync_TheGeneratorSeesTheParentsRequestAndFiles()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = Modification;
        var parent = await harness.CompleteGenerationAsync("User");

        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "Add user authentication"));
        await harness.ReadToEndAsync(id);

        var first = harness.Generator.Calls.First(c => c.GenerationId == id);
        first.ParentGenerationId.Should().Be(parent);
        first.Prompt.Should().Be("Build a todo app");
        first.ModificationPrompt.Should().Be("Add user authentication");
        first.Entities.Should().Equal("User");
        first.Files.Files.Should().HaveCount(16).And.OnlyContain(f => f.Phase == 0);
    }

    [Fact]
    public async Task IterateAsync_ParentFilesLostWithoutADelete_EmitTheDataLossWarningNamingThem()
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem);
        var parent = await harness.CompleteGenerationAsync("User");
        var parentFiles = (await harness.Sink.GetManifestAsync(parent))!.Files;
        foreach (var lost in parentFiles.Where(f => f.Path is "src/phase3/file2.txt" or "src/user/file1.txt"))
        {
            await File.WriteAllTextAsync(Files.FileSystemSinkInspector.ContentPath(harness.Root!, lost.Sha256), "damaged on disk");
        }

        harness.Generator.Files = context => context.ParentGenerationId is null ? ScriptedGenerator.DefaultFiles(context) : [];
        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "Tweak the styles"));
        var events = await harness.ReadToEndAsync(id);

        events.Where(e => !e.Stage.EndsWith("_progress", StringComparison.Ordinal)).Select(e => e.Stage).TakeLast(4)
            .Should().Equal("file_management", "validation", "quality_assessment", "completed");
        var warning = events.Single(e => e.Stage == GenerationStages.Validation);
        warning.Status.Should().Be(GenerationStatus.Processing);
        warning.WarningType.Should().Be(WarningTypes.DataLossDetection);
        warning.Message.Should().Be("⚠️ Warning: Expected ~16 files, got 14. Some parent files may be missing.");
        warning.ParentFileCount.Should().Be(16);
        warning.NewFileCount.Should().Be(14);
        warning.MissingFiles.Should().Equal("src/phase3/file2.txt", "src/user/file1.txt");
        warning.Progress.Should().BeInRange(0.95, 0.98);
        events[^1].Status.Should().Be(GenerationStatus.Completed, "a warning does not fail the iteration");
    }

    [Fact]
    public async Task DataLossWarning_ListsAtMostFiftyNames()
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem);
        harness.Generator.Files = context => context.ParentGenerationId is not null
            ? []
            : context.Phase.Number == 1 ? Enumerable.Range(0, 60).Select(i => GeneratedFile.FromText($"f{i:00}.txt", $"content {i}")) : [];
        var parent = await harness.CompleteGenerationAsync();
        foreach (var file in (await harness.Sink.GetManifestAsync(parent))!.Files)
        {
            File.Delete(Files.FileSystemSinkInspector.ContentPath(harness.Root!, file.Sha256));
        }

        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "anything"));
        var warning = (await harness.ReadToEndAsync(id)).Single(e => e.Stage == GenerationStages.Validation);

        warning.ParentFileCount.Should().Be(60);
        warning.NewFileCount.Should().Be(0);
        warning.MissingFiles.Should().HaveCount(50).And.BeInAscendingOrder(StringComparer.Ordinal);
    }

    [Fact]
    public void DataLossCheck_IgnoresExplicitDeletesAndFilesStillThere()
    {
        var parent = new FileManifest { GenerationId = "p", Files = [Listed("a"), Listed("b"), Listed("c"), Listed("d")] };
        var result = new FileManifest { GenerationId = "c", Files = [Listed("a"), Listed("e")] };

        DataLossCheck.FindMissing(parent, result, new HashSet<string> { "b" }).Should().Equal("c", "d");
    }

    private static Contracts.GenerationFile Listed(string path) => new() { Path = path, Size = 1, Phase = 0, Sha256 = new string('0', 64) };

    [Fact]
    public async Task IterateAsync_OnAnIteration_ChainsTheFiles()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = context => context.ParentGenerationId is null
            ? ScriptedGenerator.DefaultFiles(context)
            : context.Phase.Number == 1 ? [GeneratedFile.FromText($"from-{context.ModificationPrompt}.txt", "x")] : [];
        var root = await harness.CompleteGenerationAsync();
        var first = await harness.Engine.IterateAsync(new IterationRequest(root, "one"));
        await harness.ReadToEndAsync(first);

        var second = await harness.Engine.IterateAsync(new IterationRequest(first, "two"));
        await harness.ReadToEndAsync(second);

        (await harness.Sink.GetManifestAsync(second))!.Files.Select(f => f.Path).Should().Contain(["from-one.txt", "from-two.txt"]);
    }

    [Fact]
    public async Task IterateAsync_OnAFailedParent_CarriesItsPartialFiles()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.Files = context => context.ParentGenerationId is null && context.Phase.Number == 2
            ? throw new InvalidOperationException("boom")
            : context.ParentGenerationId is null ? ScriptedGenerator.DefaultFiles(context) : [];
        var parent = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        (await harness.ReadToEndAsync(parent))[^1].Status.Should().Be(GenerationStatus.Failed);

        var id = await harness.Engine.IterateAsync(new IterationRequest(parent, "finish it"));
        await harness.ReadToEndAsync(id);

        (await harness.Sink.GetManifestAsync(id))!.Files.Should().HaveCount(5);
    }

    [Fact]
    public async Task IterateAsync_UnknownParent_ThrowsGenerationNotFound()
    {
        await using var harness = EngineHarness.Create();
        var unknown = Guid.NewGuid().ToString();

        var act = async () => await harness.Engine.IterateAsync(new IterationRequest(unknown, "change"));

        (await act.Should().ThrowAsync<GenerationNotFoundException>()).Which.GenerationId.Should().Be(unknown);
    }

    [Fact]
    public async Task IterateAsync_OnARunningParent_ThrowsGenerationConflict()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        var parent = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();

        var act = async () => await harness.Engine.IterateAsync(new IterationRequest(parent, "change"));

        await act.Should().ThrowAsync<GenerationConflictException>().WithMessage($"*{parent}*has not finished*processing*");
        gate.Release();
    }

    [Fact]
    public async Task IterateAsync_OnAQueuedParent_ThrowsGenerationConflict()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();
        var queued = await harness.Engine.StartAsync(new GenerationRequest("y"));

        var act = async () => await harness.Engine.IterateAsync(new IterationRequest(queued, "change"));

        await act.Should().ThrowAsync<GenerationConflictException>().WithMessage("*queued*");
        gate.Release();
    }

    [Fact]
    public async Task IterateAsync_OnAParentCancelledBeforeSavingAnything_ThrowsGenerationConflict()
    {
        await using var harness = EngineHarness.Create(configure: o => o.MaxConcurrentGenerations = 1);
        var gate = harness.Generator.StopAt(phase: 1, fileIndex: 0);
        await harness.Engine.StartAsync(new GenerationRequest("x"));
        await gate.Reached.WithPatience();
        var queued = await harness.Engine.StartAsync(new GenerationRequest("y"));
        await harness.Engine.CancelAsync(queued);

        var act = async () => await harness.Engine.IterateAsync(new IterationRequest(queued, "change"));

        await act.Should().ThrowAsync<GenerationConflictException>().WithMessage("*before saving any files*");
        gate.Release();
    }

    [Fact]
    public async Task IterateAsync_OnAParentWithFilesButNoRecord_IsNotFound_NeverAGhost()
    {
        string parent;
        var root = Path.Combine(Path.GetTempPath(), "iteration-streaming-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using (var before = EngineHarness.Create(build: b => b.AddFileSystemSink(root)))
            {
                parent = await before.CompleteGenerationAsync("User");
            }

            // The in-memory record store forgot the parent; its files are still on disk.
            await using var after = EngineHarness.Create(build: b => b.AddFileSystemSink(root));
            var act = async () => await after.Engine.IterateAsync(new IterationRequest(parent, "after a restart"));

            await act.Should().ThrowAsync<GenerationNotFoundException>();
            after.Generator.Calls.Should().BeEmpty();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task ATerminalEvent_IsFollowedAtOnceByAnAcceptedIteration()
    {
        await using var harness = EngineHarness.Create();
        var parent = await harness.Engine.StartAsync(new GenerationRequest("x"));
        await using var subscription = await harness.Engine.WatchAsync(parent);

        string? iteration = null;
        await foreach (var e in subscription.ReadEventsAsync())
        {
            if (e.IsTerminal)
            {
                iteration = await harness.Engine.IterateAsync(new IterationRequest(parent, "right away"));
            }
        }

        iteration.Should().NotBeNull("the record is final before the terminal event is visible");
        await harness.ReadToEndAsync(iteration!);
    }
}
