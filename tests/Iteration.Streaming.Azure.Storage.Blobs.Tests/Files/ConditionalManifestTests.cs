using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using static Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures.BlobSinkHarness;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Files;

/// <summary>
/// The manifest is created only where none exists and replaced only when still the version read, so a second writer
/// (another instance that believes it owns the run) gets a clear error instead of silently dropping a phase.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ConditionalManifestTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SavePhaseAsync_WhenAnotherWriterSavedMeanwhile_FailsClearly_AndKeepsTheOtherWritersPhase()
    {
        var harness = new BlobSinkHarness(azurite);
        var other = harness.NewSink(azurite.CreateClient());
        var id = await harness.CreatedAsync(Text("base.txt", "base"));
        var held = harness.Faults.HoldNext(FaultInjectingHandler.IsManifestWrite);
        var slow = harness.Sink.SavePhaseAsync(id, 2, [Text("slow.txt", "slow")]).AsTask();
        await held.Arrived.WithPatience();

        await other.SavePhaseAsync(id, 2, [Text("fast.txt", "fast")]);
        held.Release();

        var act = () => slow;
        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*generation '{id}'*another writer*phase 2 was not recorded*");
        (await harness.Sink.GetManifestAsync(id))!.Files.Select(f => f.Path).Should().Equal("base.txt", "fast.txt");
        await harness.AssertManifestAgreesWithBlobsAsync(id);
    }

    [Fact]
    public async Task CreateAsync_RacingCreators_ExactlyOneWins()
    {
        var harness = new BlobSinkHarness(azurite);
        var other = harness.NewSink(azurite.CreateClient());
        var id = NewId();
        await harness.Sink.CreateAsync(NewId(), null);
        var held = harness.Faults.HoldNext(FaultInjectingHandler.IsManifestWrite);
        var slow = harness.Sink.CreateAsync(id, null).AsTask();
        await held.Arrived.WithPatience();

        await other.CreateAsync(id, null);
        await other.SavePhaseAsync(id, 1, [Text("a.txt", "a")]);
        held.Release();

        var act = () => slow;
        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{id}*exists*");
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().ContainSingle();
    }

    [Fact]
    public async Task CompleteAsync_WhenAnotherWriterSavedMeanwhile_FailsClearly()
    {
        var harness = new BlobSinkHarness(azurite);
        var other = harness.NewSink(azurite.CreateClient());
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        var held = harness.Faults.HoldNext(FaultInjectingHandler.IsManifestWrite);
        var completing = harness.Sink.CompleteAsync(id).AsTask();
        await held.Arrived.WithPatience();

        await other.SavePhaseAsync(id, 2, [Text("b.txt", "b")]);
        held.Release();

        var act = () => completing;
        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*another writer*completed*");
        var manifest = await harness.Sink.GetManifestAsync(id);
        manifest!.IsComplete.Should().BeFalse();
        manifest.Files.Should().HaveCount(2);
    }

    [Fact]
    public async Task SavePhaseAsync_AfterTheGenerationWasDeleted_FailsClearly()
    {
        var harness = new BlobSinkHarness(azurite);
        var other = harness.NewSink(azurite.CreateClient());
        var id = await harness.CreatedAsync(Text("a.txt", "a"));
        var held = harness.Faults.HoldNext(FaultInjectingHandler.IsManifestWrite);
        var saving = harness.Sink.SavePhaseAsync(id, 2, [Text("b.txt", "b")]).AsTask();
        await held.Arrived.WithPatience();

        await other.DeleteAsync(id);
        held.Release();

        var act = () => saving;
        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*changed or removed by another writer*");
        (await harness.Sink.GetManifestAsync(id)).Should().BeNull();
    }
}
