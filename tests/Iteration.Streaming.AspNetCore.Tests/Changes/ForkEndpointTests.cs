using System.Net;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Changes;

/// <summary>
/// <c>POST {prefix}/{id}/fork</c> over Kestrel on the file-system sink: a fork from phase 2 of 5 generates 3 phases and
/// keeps the source's phase-2 files; every bad body, token and state.
/// </summary>
public sealed class ForkEndpointTests : IAsyncLifetime
{
    private ChangesHost _host = null!;

    public async Task InitializeAsync() => _host = await ChangesHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Fork(int fromPhase) =>
        $"{{\"from_phase\":{fromPhase},\"modification_prompt\":\"{ScriptedChangesGenerator.ForkPrompt}\"}}";

    [Fact]
    public async Task Fork_FromPhaseTwoOfFive_GeneratesThreePhasesAndKeepsTheSourcesPhaseTwoFiles()
    {
        var (source, _) = await _host.CompletedAsync("User", "Task");

        using var response = await _host.PostAsync(source.GenerationId, "fork", source.ControlToken, Fork(2));
        var fork = await ChangesHost.StartedAsync(response);
        var events = await _host.EventsAsync(fork);
        var files = await _host.FilesAsync(fork);

        fork.ForkedFrom.Should().Be(source.GenerationId);
        fork.FromPhase.Should().Be(2);
        fork.GenerationId.Should().NotBe(source.GenerationId);
        fork.StatusUrl.Should().Be($"/generations/{fork.GenerationId}");
        fork.StreamUrl.Should().Be($"/generations/{fork.GenerationId}/stream");
        response.Headers.Location!.OriginalString.Should().Be(fork.StatusUrl);
        _host.Generator.PhasesOf(source.GenerationId).Should().Equal(1, 2, 3, 4, 5);
        _host.Generator.PhasesOf(fork.GenerationId).Should().Equal(3, 4, 5);
        events.Select(e => e.Stage).Should().ContainInOrder(GenerationStages.Resumed, "phase_3_complete", "phase_4_complete", "phase_5_complete");
        events.Should().NotContain(e => e.Stage == "phase_1_complete" || e.Stage == "phase_2_complete");
        events.Single(e => e.Stage == GenerationStages.Resumed).Message.Should().Contain(source.GenerationId).And.Contain("phase 3");
        for (var phase = 3; phase <= 5; phase++)
        {
            events.Single(e => e.Stage == $"phase_{phase}_complete").PhaseInfo!.Changes
                .Should().Be(new PhaseChanges { Added = phase - 2, Modified = 0, Deleted = 0 }, "each fork phase adds one file to the kept phase-2 state");
        }

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        files.Where(f => !f.Key.StartsWith("fork/", StringComparison.Ordinal)).ToDictionary(f => f.Key, f => Encoding.UTF8.GetString(f.Value)).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["src/phase1.txt"] = ScriptedChangesGenerator.PhaseText(source.GenerationId, 1),
            ["src/phase2.txt"] = ScriptedChangesGenerator.PhaseText(source.GenerationId, 2),
            ["src/shared.txt"] = ScriptedChangesGenerator.SharedText(2),
        });
        files.Keys.Where(k => k.StartsWith("fork/", StringComparison.Ordinal)).Should().Equal("fork/phase3.txt", "fork/phase4.txt", "fork/phase5.txt");
    }

    [Fact]
    public async Task Fork_KeptPhases_AreTheSourcesPhaseStatesInItsOwnHistory()
    {
        var (source, _) = await _host.CompletedAsync("User", "Task");
        using var response = await _host.PostAsync(source.GenerationId, "fork", source.ControlToken, Fork(2));
        var fork = await ChangesHost.StartedAsync(response);
        await _host.EventsAsync(fork);

        var sourceAtTwo = (await _host.DiffJsonAsync(source, "phase:2")).Files.Where(f => f.Change != FileChangeKinds.Added).Select(f => (f.Path, f.OldSha256));
        var forkAtTwo = (await _host.DiffJsonAsync(fork, "phase:2")).Files.Where(f => f.Change != FileChangeKinds.Added).Select(f => (f.Path, f.OldSha256));

        forkAtTwo.Should().Equal(sourceAtTwo);
    }

    [Fact]
    public async Task Fork_WithAnIdempotencyKeyRepeated_AnswersTheFirst202AndStartsOneFork()
    {
        var (source, _) = await _host.CompletedAsync("User");

        using var first = await _host.PostAsync(source.GenerationId, "fork", source.ControlToken, Fork(1), idempotencyKey: "fork-key-1");
        var started = await ChangesHost.StartedAsync(first);
        using var again = await _host.PostAsync(source.GenerationId, "fork", source.ControlToken, Fork(1), idempotencyKey: "fork-key-1");
        var repeated = await ChangesHost.StartedAsync(again);
        using var other = await _host.PostAsync(source.GenerationId, "fork", source.ControlToken, Fork(2), idempotencyKey: "fork-key-1");

        repeated.GenerationId.Should().Be(started.GenerationId);
        repeated.ForkedFrom.Should().Be(source.GenerationId);
        repeated.FromPhase.Should().Be(1);
        await other.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [InlineData("{}", "'from_phase' is required")]
    [InlineData("{\"from_phase\":null}", "'from_phase' is required")]
    [InlineData("{\"from_phase\":0}", "'from_phase' is 0")]
    [InlineData("{\"from_phase\":-1}", "'from_phase' is -1")]
    [InlineData("{\"from_phase\":5}", "past the last phase")]
    [InlineData("{\"from_phase\":2147483647}", "past the last phase")]
    [InlineData("{\"from_phase\":\"2\"}", "from_phase")]
    [InlineData("{\"from_phase\":2.5}", "from_phase")]
    [InlineData("{\"from_phase\":[2]}", "from_phase")]
    [InlineData("{\"from_phase\":1,\"modification_prompt\":\"\"}", "modification_prompt")]
    [InlineData("{\"from_phase\":1,\"review\":{\"after_phases\":\"some\"}}", "after_phases")]
    [InlineData("[1]", "object")]
    [InlineData("{\"from_phase\":1", "JSON")]
    public async Task Fork_BadBody_Answers400NamingTheField(string body, string expected)
    {
        var (source, _) = await _host.CompletedAsync("User");

        using var response = await _host.PostAsync(source.GenerationId, "fork", source.ControlToken, body);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain(expected);
        _host.Generator.PhasesOf(source.GenerationId).Should().HaveCount(4, "no fork ran");
    }

    [Fact]
    public async Task Fork_GenerationThatSavedNoPhase_Answers400()
    {
        _host.Generator.Script = _ => throw new Generation.GenerationFailedException("the model gave up");
        var (failed, events) = await _host.CompletedAsync("User");

        using var response = await _host.PostAsync(failed.GenerationId, "fork", failed.ControlToken, Fork(1));

        events[^1].Status.Should().Be(GenerationStatus.Failed);
        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'from_phase'").And.Contain("saved no phase");
    }

    [Fact]
    public async Task Fork_RunningGeneration_Answers409()
    {
        var (id, _) = await _host.Host.CreateGenerationLogAsync();

        using var response = await _host.PostAsync(id, "fork", _host.Host.Tokens.IssueToken(id, Iteration.Streaming.Security.StreamTokenScope.Control), Fork(1));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Should().Contain("processing");
    }

    [Fact]
    public async Task Fork_UnknownGeneration_IsRefusedAsItsTokenWithoutSayingWhetherItExists()
    {
        var unknown = Guid.NewGuid().ToString();

        using var response = await _host.PostAsync(unknown, "fork", _host.Host.Tokens.IssueToken(unknown, Iteration.Streaming.Security.StreamTokenScope.Control), Fork(1));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("expired");
    }

    [Fact]
    public async Task Fork_WithTheReadToken_Answers403AskingForTheControlToken()
    {
        var (source, _) = await _host.CompletedAsync("User");

        using var response = await _host.PostAsync(source.GenerationId, "fork", source.SseToken, Fork(1));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().Contain("control_token");
        _host.Generator.PhasesOf(source.GenerationId).Should().HaveCount(4);
    }

    [Fact]
    public async Task Fork_WithoutAToken_Answers401()
    {
        var (source, _) = await _host.CompletedAsync("User");

        using var response = await _host.PostAsync(source.GenerationId, "fork", token: null, Fork(1));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Fork_WithAForgedToken_Answers401()
    {
        var (source, _) = await _host.CompletedAsync("User");
        var forged = source.ControlToken![..^2] + (source.ControlToken[^2] == 'A' ? "BA" : "AA");

        using var response = await _host.PostAsync(source.GenerationId, "fork", forged, Fork(1));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("signature");
    }

    [Fact]
    public async Task Fork_ControlTokenInTheUrl_Answers401()
    {
        var (source, _) = await _host.CompletedAsync("User");

        using var response = await _host.PostAsync(source.GenerationId, "fork", token: null, Fork(1), query: "token=" + Uri.EscapeDataString(source.ControlToken!));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("URL");
    }

    [Fact]
    public async Task Fork_MalformedRouteId_Answers400()
    {
        using var response = await _host.PostAsync("not%20an%20id", "fork", "x", Fork(1));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("'id'");
    }

    [Fact]
    public async Task Fork_OversizedBody_Answers413()
    {
        var (source, _) = await _host.CompletedAsync("User");
        var body = $"{{\"from_phase\":1,\"modification_prompt\":\"{new string('a', 2 * 1024 * 1024)}\"}}";

        using var response = await _host.PostAsync(source.GenerationId, "fork", source.ControlToken, body);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Fork_NotJson_Answers415()
    {
        var (source, _) = await _host.CompletedAsync("User");

        using var response = await _host.PostAsync(source.GenerationId, "fork", source.ControlToken, "from_phase=1", "application/x-www-form-urlencoded");

        (await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType)).Should().Contain("application/json");
    }
}
