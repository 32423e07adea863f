using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Tests.Engine;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Changes;

public sealed class RevertTests
{
    /// <summary>Phase 1 writes a.txt and b.txt; phase 2 rewrites a.txt and adds c.txt; later phases add their own.</summary>
    private static async Task<(EngineHarness Harness, string Id)> RewrittenAsync(SinkKind sink = SinkKind.InMemory)
    {
        var harness = EngineHarness.Create(sink);
        harness.Generator.Files = context => context.Phase.Number switch
        {
            1 => [GeneratedFile.FromText("a.txt", "a as phase 1 wrote it\n"), GeneratedFile.FromText("b.txt", "b\n")],
            2 => [GeneratedFile.FromText("a.txt", "a as phase 2 rewrote it\n"), GeneratedFile.FromText("c.txt", "c\n")],
            _ => ScriptedGenerator.DefaultFiles(context),
        };
        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Completed);
        harness.Generator.Calls.Clear();
        return (harness, id);
    }

    [Theory]
    [InlineData(SinkKind.InMemory)]
    [InlineData(SinkKind.FileSystem)]
    public async Task RevertAsync_ToAnEarlierPhase_CallsNoGenerator_AndRestoresOnlyThosePaths(SinkKind sink)
    {
        var (harness, parent) = await RewrittenAsync(sink);
        await using var _ = harness;
        var target = (await harness.Sink.GetHistoryAsync(parent))!.StateAt(1)!;
        var before = (await harness.Sink.GetManifestAsync(parent))!.Files;

        var id = await harness.Engine.RevertAsync(new RevertRequest(parent, ["c.txt", "a.txt"], "phase:1"));
        var events = await harness.ReadToEndAsync(id);

        harness.Generator.Calls.Should().BeEmpty("a revert reads saved content; no model is called");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events[0].Message.Should().Be($"Reverting 2 files of generation {parent} to phase:1...");
        events.Should().NotContain(e => e.WarningType != null, "an asked-for delete is not data loss");
        events.Single(e => e.Stage == "phase_1_complete").PhaseInfo!.Changes.Should().BeEquivalentTo(new PhaseChanges { Modified = 1, Deleted = 1 });
        var files = (await harness.Sink.GetManifestAsync(id))!.Files;
        files.Should().ContainSingle(f => f.Path == "a.txt").Which.Sha256.Should().Be(target.Single(f => f.Path == "a.txt").Sha256);
        files.Single(f => f.Path == "a.txt").WrittenBy.Should().Be(FileAuthors.User, "the user chose it; no model wrote it");
        files.Should().NotContain(f => f.Path == "c.txt", "c.txt did not exist after phase 1");
        files.Where(f => f.Path is not "a.txt" and not "c.txt").Select(f => (f.Path, f.Sha256))
            .Should().Equal(before.Where(f => f.Path is not "a.txt" and not "c.txt").Select(f => (f.Path, f.Sha256)), "every other file is the parent's");
        var record = await harness.Engine.GetRecordAsync(id);
        record!.ParentGenerationId.Should().Be(parent);
        record.Revert.Should().BeEquivalentTo(new Records.GenerationRevert { To = "phase:1", Paths = ["a.txt", "c.txt"] });
        using var reader = new StreamReader((await harness.Sink.OpenReadAsync(id, "a.txt"))!);
        (await reader.ReadToEndAsync()).Should().Be("a as phase 1 wrote it\n");
    }

    [Fact]
    public async Task RevertAsync_ToAnotherGeneration_TakesItsFilesAsTheyAreNow()
    {
        var (harness, parent) = await RewrittenAsync();
        await using var _ = harness;
        harness.Generator.Files = context => [GeneratedFile.FromText("b.txt", "b as the iteration wrote it\n")];
        var iteration = await harness.Engine.IterateAsync(new IterationRequest(parent, "change b"));
        await harness.ReadToEndAsync(iteration);
        harness.Generator.Calls.Clear();

        var id = await harness.Engine.RevertAsync(new RevertRequest(parent, ["b.txt"], iteration));
        await harness.ReadToEndAsync(id);

        harness.Generator.Calls.Should().BeEmpty();
        var sha = (await harness.Sink.GetManifestAsync(iteration))!.Files.Single(f => f.Path == "b.txt").Sha256;
        (await harness.Sink.GetManifestAsync(id))!.Files.Single(f => f.Path == "b.txt").Sha256.Should().Be(sha);
    }

    [Fact]
    public async Task RevertAsync_OfARunningGeneration_IsAConflict()
    {
        await using var harness = EngineHarness.Create();
        var gate = harness.Generator.StopAt(phase: 2, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        await gate.Reached.WithPatience();

        var act = async () => await harness.Engine.RevertAsync(new RevertRequest(id, ["a.txt"], "phase:1"));

        (await act.Should().ThrowAsync<GenerationConflictException>()).WithMessage($"*'{id}' has not finished*");
        gate.Release();
    }

    public static TheoryData<string[], string, string> BadRequests => new()
    {
        { [], "phase:1", "*'paths' is required*" },
        { ["a.txt", "b.txt", "a.txt"], "phase:1", "*'paths[2]' repeats 'paths[0]'*" },
        { ["../etc/passwd"], "phase:1", "*'paths[0]'*refused*" },
        { ["/abs.txt"], "phase:1", "*'paths[0]'*refused*" },
        { ["a\\b.txt"], "phase:1", "*'paths[0]'*refused*" },
        { ["a\0.txt"], "phase:1", "*'paths[0]'*refused*" },
        { [new string('x', 5000)], "phase:1", "*'paths[0]'*refused*" },
        { ["nowhere.txt"], "phase:1", "*'paths[0]' 'nowhere.txt' is in neither*" },
        { ["a.txt"], "", "*'to' is required*" },
        { ["a.txt"], "phase:", "*'to' names the phase ''*" },
        { ["a.txt"], "phase:01", "*'to' names the phase '01'*" },
        { ["a.txt"], "phase:x", "*'to' names the phase 'x'*" },
        { ["a.txt"], "phase:9", "*'to' names phase 9*saved states are phase 0, 1, 2, 3*" },
        { ["a.txt"], "not an id", "*'to' is neither a generation id nor phase:{k}*" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task RevertAsync_WithBadInput_IsRefusedNamingTheField(string[] paths, string to, string message)
    {
        var (harness, parent) = await RewrittenAsync();
        await using var _ = harness;

        var act = async () => await harness.Engine.RevertAsync(new RevertRequest(parent, paths, to));

        await act.Should().ThrowAsync<InvalidGenerationRequestException>().WithMessage(message);
        harness.Generator.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task RevertAsync_WithMorePathsThanAGenerationMayHold_IsRefused()
    {
        var (harness, parent) = await RewrittenAsync();
        await using var _ = harness;
        var paths = Enumerable.Range(0, 2_001).Select(i => $"f{i}.txt").ToArray();

        var act = async () => await harness.Engine.RevertAsync(new RevertRequest(parent, paths, "phase:1"));

        await act.Should().ThrowAsync<InvalidGenerationRequestException>().WithMessage("*'paths' has 2001 paths; the limit is 2000*MaxFilesPerGeneration*");
    }

    [Fact]
    public async Task RevertAsync_ToAnUnknownGeneration_IsNotFound()
    {
        var (harness, parent) = await RewrittenAsync();
        await using var _ = harness;

        var act = async () => await harness.Engine.RevertAsync(new RevertRequest(parent, ["a.txt"], "no-such-generation"));

        await act.Should().ThrowAsync<GenerationNotFoundException>();
    }

    [Fact]
    public async Task RevertAsync_OfALockedPath_IsAConflictNamingIt()
    {
        await using var harness = EngineHarness.Create();
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]) { Review = new ReviewRequest { AfterPhases = PhaseSelection.Of(1) } });
        await harness.WaitForStageAsync(id, GenerationStages.AwaitingInput);
        await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Lock, Paths = ["src/phase1/file0.txt"] });
        await harness.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Approve });
        (await harness.ReadToEndAsync(id))[^1].Status.Should().Be(GenerationStatus.Completed);

        var act = async () => await harness.Engine.RevertAsync(new RevertRequest(id, ["src/phase1/file0.txt"], "phase:0"));

        (await act.Should().ThrowAsync<GenerationConflictException>()).WithMessage("*'paths[0]' 'src/phase1/file0.txt' is locked*");
    }
}
