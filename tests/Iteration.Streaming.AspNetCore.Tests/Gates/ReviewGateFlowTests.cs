using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Gates;

/// <summary>
/// A generation started with <c>review: {plan: true, after_phases: [1]}</c>, read over SSE through both gates while the
/// user revises the plan, edits a file, locks one, instructs and approves; and one started without review.
/// </summary>
public sealed class ReviewGateFlowTests : IAsyncLifetime
{
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(generator: _generator);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<GenerationFileList> FilesAsync(GenerationStartedResponse started)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, started.StatusUrl.TrimStart('/') + "/files");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.SseToken);
        using var response = await _client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationFileList))!;
    }

    private async Task<string> FileAsync(GenerationStartedResponse started, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, started.StatusUrl.TrimStart('/') + "/files/" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.SseToken);
        using var response = await _client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK, path);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Input_ThroughBothGates_RevisesEditsLocksInstructsAndCompletes()
    {
        var started = await _client.StartReviewedAsync(GateHttp.PlanAndPhaseOne);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        var seen = new List<StreamingProgressEvent>();

        var (planGate, _) = await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.AwaitingInput), seen);
        var revised = await _client.AcceptedInputAsync(started, "{\"action\":\"revise_plan\",\"phases\":[{\"name\":\"Users\",\"entities\":[\"User\"]},{\"name\":\"Everything else\"}]}");
        var (revisedEvent, revisedId) = await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.InputReceived), seen);
        var one = await _generator.NextPhaseAsync();
        one.Yield("src/a.txt", "generated a").Yield("src/b.txt", "generated b").Complete();
        var (phaseGate, _) = await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.AwaitingInput), seen);

        var edited = await _client.AcceptedInputAsync(started, "{\"action\":\"edit_files\",\"files\":[{\"path\":\"src/a.txt\",\"content\":\"written by the user\"}]}");
        var (editedEvent, editedId) = await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.InputReceived), seen);
        var locked = await _client.AcceptedInputAsync(started, "{\"action\":\"lock\",\"paths\":[\"src/b.txt\"]}");
        var (lockedEvent, _) = await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.InputReceived), seen);
        var instructed = await _client.AcceptedInputAsync(started, "{\"action\":\"instruct\",\"instruction\":\"Use PostgreSQL\"}");
        var (instructedEvent, _) = await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.InputReceived), seen);
        var atTheGate = await FilesAsync(started);
        var approved = await _client.AcceptedInputAsync(started, "{\"action\":\"approve\"}");
        var (approvedEvent, approvedId) = await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.InputReceived), seen);
        var two = await _generator.NextPhaseAsync();
        two.Yield("src/b.txt", "phase 2 rewrites a locked file").Yield("src/c.txt", "generated c").Complete();
        var (last, _) = await events.ReadUntilAsync(e => e.IsTerminal, seen);

        planGate.Status.Should().Be(GenerationStatus.AwaitingInput);
        planGate.InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
        planGate.Message.Should().Be($"Review the plan: {planGate.InputRequest.Phases.Count} phases");
        planGate.InputRequest.ExpiresAt.Should().BeAfter(DateTimeOffset.UtcNow.AddHours(23));
        revised.Should().Match<GenerationInputAccepted>(a => a.GenerationId == started.GenerationId && a.Action == "revise_plan" && a.EventId == revisedId);
        revised.Status.Should().BeOneOf(GenerationStatus.Processing, GenerationStatus.Queued);
        revisedEvent.Message.Should().Be("Plan revised: 2 phases");
        revisedEvent.PhaseInfo!.Phases!.Select(p => p.Name).Should().Equal("Users", "Everything else");
        phaseGate.Message.Should().Be("Phase 1 saved (2 files): review before phase 2");
        phaseGate.InputRequest!.Should().Match<InputRequest>(r => r.Kind == InputRequestKinds.Phase && r.Phase == 1);
        edited.Should().Match<GenerationInputAccepted>(a => a.Status == GenerationStatus.AwaitingInput && a.EventId == editedId);
        editedEvent.Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.AwaitingInput && e.Message == "1 file edited" && e.InputRequest!.Phase == 1);
        locked.Status.Should().Be(GenerationStatus.AwaitingInput);
        lockedEvent.Message.Should().Be("1 path locked");
        instructed.Status.Should().Be(GenerationStatus.AwaitingInput);
        instructedEvent.Message.Should().Be("Instruction queued for phase 2");
        atTheGate.Status.Should().Be(GenerationStatus.AwaitingInput);
        atTheGate.Files.Single(f => f.Path == "src/a.txt").WrittenBy.Should().Be("user");
        atTheGate.Files.Single(f => f.Path == "src/b.txt").Should().Match<GenerationFile>(f => f.Locked == true && f.WrittenBy == null);
        approved.Should().Match<GenerationInputAccepted>(a => a.Action == "approve" && a.EventId == approvedId);
        approvedEvent.Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Processing && e.Message == "Approved: phase 2 next");
        two.Context.Instructions.Select(i => i.Text).Should().Equal("Use PostgreSQL");
        two.Context.LockedPaths.Should().Contain("src/b.txt");
        last.Status.Should().Be(GenerationStatus.Completed);
        seen.Count(e => e.Stage == GenerationStages.AwaitingInput).Should().Be(2);
        seen.Should().ContainSingle(e => e.WarningType == WarningTypes.LockedPath).Which.CurrentFile.Should().Be("src/b.txt");
        (await FileAsync(started, "src/a.txt")).Should().Be("written by the user");
        (await FileAsync(started, "src/b.txt")).Should().Be("generated b");
        (await FileAsync(started, "src/c.txt")).Should().Be("generated c");
    }

    [Fact]
    public async Task Snapshot_AtAGate_SaysAwaitingInputWithTheRequest()
    {
        var started = await _client.StartReviewedAsync("{\"plan\":true}");
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.AwaitingInput));

        using var request = new HttpRequestMessage(HttpMethod.Get, started.StatusUrl.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.SseToken);
        using var response = await _client.SendAsync(request);
        var snapshot = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationSnapshot);

        snapshot!.Status.Should().Be(GenerationStatus.AwaitingInput);
        snapshot.LastEvent!.InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
        (await _client.AcceptedInputAsync(started, "{\"action\":\"cancel\"}")).Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task Cancel_AtAGate_Answers202AndTheStreamEndsCancelled()
    {
        var started = await _client.StartReviewedAsync("{\"plan\":true}");
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.AwaitingInput));

        var cancelled = await _client.AcceptedInputAsync(started, "{\"action\":\"cancel\"}");
        var (last, lastId) = await events.ReadUntilAsync(e => e.IsTerminal);

        cancelled.Should().Match<GenerationInputAccepted>(a => a.Status == GenerationStatus.Cancelled && a.EventId == lastId);
        last.Status.Should().Be(GenerationStatus.Cancelled);
    }

    [Fact]
    public async Task Instruct_WhileAPhaseRuns_Answers202ProcessingAndAppliesFromTheNextPhase()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        var one = await _generator.NextPhaseAsync();

        var instructed = await _client.AcceptedInputAsync(started, "{\"action\":\"instruct\",\"instruction\":\"Add tests\"}");
        var (received, receivedId) = await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.InputReceived));
        one.Complete();
        var two = await _generator.NextPhaseAsync();

        instructed.Should().Match<GenerationInputAccepted>(a => a.Status == GenerationStatus.Processing && a.EventId == receivedId);
        received.Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Processing && e.Message == "Instruction queued for phase 2");
        one.Context.Instructions.Should().BeEmpty();
        two.Context.Instructions.Select(i => i.Text).Should().Equal("Add tests");
        two.Complete();
        (await _generator.NextPhaseAsync()).Complete();
        (await _generator.NextPhaseAsync()).Complete();
    }

    [Fact]
    public async Task Start_WithoutReview_StreamsNoGateEventAtAll()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();
        for (var phase = 1; phase <= 4; phase++)
        {
            (await _generator.NextPhaseAsync()).Yield($"p{phase}.txt", "x").Complete();
        }

        var events = (await reading.WithPatience()).Select(i => i.ToProgressEvent()).ToList();

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events.Should().NotContain(e => e.Status == GenerationStatus.AwaitingInput || e.Stage == GenerationStages.AwaitingInput
            || e.Stage == GenerationStages.InputReceived || e.InputRequest != null);
        events.Select(i => i.Stage).Should().StartWith(["initializing", "code_generation", "phased_generation_started", "phase_1_started"]);
        stream.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
    }
}
