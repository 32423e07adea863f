using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diffs;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>Diff, fork and revert through the engine with its files on the blob sink (Azurite).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class EngineChangesTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly CountingGenerator _generator = new();
    private ServiceProvider _provider = null!;

    private IIterationEngine Engine => _provider.GetRequiredService<IIterationEngine>();

    private IFileSink Sink => _provider.GetRequiredService<IFileSink>();

    public Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddAzureBlobFileSink(azurite.ConnectionString, AzuriteFixture.NewContainerName());
        services.AddSingleton<IPhaseGenerator>(_generator);
        _provider = services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task ForkAsync_FromPhaseTwoOfFive_GeneratesThreePhases_AndKeepsTheSourcesPhaseTwoState()
    {
        var source = await CompletedAsync(Engine.StartAsync(new GenerationRequest("Build a todo app", ["User", "Task"])));
        var atTwo = (await Sink.GetHistoryAsync(source))!.StateAt(2)!;
        _generator.Calls.Clear();

        var fork = await CompletedAsync(Engine.ForkAsync(new ForkRequest(source, 2)));

        _generator.Calls.Should().Equal(3, 4, 5);
        (await Sink.GetHistoryAsync(fork))!.StateAt(2).Should().BeEquivalentTo(atTwo, "the fork started from the source's phase-2 state");
        (await Sink.GetManifestAsync(fork))!.Files.Where(f => f.Phase <= 2).Should().BeSubsetOf(atTwo, "what later phases did not rewrite is kept as it was");
        (await Sink.DeleteAsync(source)).Should().BeTrue();
        foreach (var file in (await Sink.GetHistoryAsync(fork))!.StateAt(1)!)
        {
            await using var stream = await Sink.OpenContentAsync(fork, file);
            stream.Should().NotBeNull("the fork's history keeps {0} readable after its source is deleted", file.Path);
        }
    }

    [Fact]
    public async Task RevertAsync_CallsNoGenerator_AndItsFileEqualsTheTargetState()
    {
        var id = await CompletedAsync(Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"])));
        var atOne = (await Sink.GetHistoryAsync(id))!.StateAt(1)!.Single(f => f.Path == "shared.txt");
        _generator.Calls.Clear();

        var revert = await CompletedAsync(Engine.RevertAsync(new RevertRequest(id, ["shared.txt"], "phase:1")));

        _generator.Calls.Should().BeEmpty();
        (await Sink.GetManifestAsync(revert))!.Files.Single(f => f.Path == "shared.txt").Sha256.Should().Be(atOne.Sha256);
    }

    [Fact]
    public async Task DiffAsync_OfAnIterationAgainstItsParent_ListsWhatItWrote_AndItsPatchNamesEveryChange()
    {
        var parent = await CompletedAsync(Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"])));
        _generator.Iterating = true;
        var child = await CompletedAsync(Engine.IterateAsync(new IterationRequest(parent, "change the shared file")));

        var diff = await Engine.DiffAsync(child, parent);
        using var patch = new StringWriter();
        await GenerationPatch.WriteAsync(diff, patch);

        diff.Files.Where(f => f.Change != FileChangeKinds.Unchanged).Select(f => (f.Path, f.Change))
            .Should().Equal(("iteration.txt", FileChangeKinds.Added), ("shared.txt", FileChangeKinds.Modified));
        patch.ToString().Should().Contain("diff --git a/shared.txt b/shared.txt").And.Contain("+written by the iteration");
    }

    private async Task<string> CompletedAsync(ValueTask<string> started)
    {
        var id = await started;
        await using var subscription = await Engine.WatchAsync(id);
        var events = await subscription.ReadEventsAsync().ToListAsync().AsTask().WithPatience();
        events[^1].Status.Should().Be(GenerationStatus.Completed, events[^1].Error);
        return id;
    }

    /// <summary>Each phase writes its own file and rewrites shared.txt; records which phases it was asked for.</summary>
    private sealed class CountingGenerator : IPhaseGenerator
    {
        public ConcurrentQueue<int> Calls { get; } = new();

        public bool Iterating { get; set; }

        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            Calls.Enqueue(context.Phase.Number);
            if (Iterating && context.ParentGenerationId is not null)
            {
                if (context.Phase.Number == 1)
                {
                    yield return GeneratedFile.FromText("shared.txt", "written by the iteration\n");
                    yield return GeneratedFile.FromText("iteration.txt", "new\n");
                }

                yield break;
            }

            yield return GeneratedFile.FromText($"phase{context.Phase.Number}.txt", $"{context.GenerationId} phase {context.Phase.Number}\n");
            yield return GeneratedFile.FromText("shared.txt", $"shared as phase {context.Phase.Number} wrote it\n");
        }
    }
}
