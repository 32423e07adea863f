using System.Net;
using System.Text.Json;
using Iteration.Streaming.AspNetCore.Tests.Gates;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Changes;

/// <summary>
/// <c>POST {prefix}/{id}/revert</c> over Kestrel on the file-system sink: restored paths equal the target's, with no
/// generator call; every bad path, reference, token and state.
/// </summary>
public sealed class RevertEndpointTests : IAsyncLifetime
{
    private static readonly string[] Changed = ["src/shared.txt", "src/added.txt", "src/phase1.txt"];

    private ChangesHost _host = null!;

    public async Task InitializeAsync() => _host = await ChangesHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Revert(IEnumerable<string> paths, string to) =>
        $"{{\"paths\":{JsonSerializer.Serialize(paths)},\"to\":{JsonSerializer.Serialize(to)}}}";

    /// <summary>A completed parent and a completed iteration of it that changed, added and deleted a file.</summary>
    private async Task<(GenerationStartedResponse Parent, GenerationStartedResponse Iteration)> IteratedAsync()
    {
        var (parent, _) = await _host.CompletedAsync("User");
        var (iteration, _) = await _host.IteratedAsync(parent);
        return (parent, iteration);
    }

    [Theory]
    [InlineData("phase:0")]
    [InlineData("parent")]
    public async Task Revert_ChangedPaths_CallsNoGeneratorCompletesAndRestoresTheTargetsFiles(string to)
    {
        var (parent, iteration) = await IteratedAsync();
        var target = to == "parent" ? parent.GenerationId : to;

        using var response = await _host.PostAsync(
            iteration.GenerationId, "revert", iteration.ControlToken, Revert(Changed, target), query: to == "parent" ? "to_token=" + Uri.EscapeDataString(parent.SseToken) : null);
        var reverted = await ChangesHost.StartedAsync(response);
        var events = await _host.EventsAsync(reverted);
        var files = (await _host.FileListAsync(reverted)).Files.ToDictionary(f => f.Path);
        var parentFiles = (await _host.FileListAsync(parent)).Files.ToDictionary(f => f.Path);
        var iterationFiles = (await _host.FileListAsync(iteration)).Files.ToDictionary(f => f.Path);

        _host.Generator.PhasesOf(reverted.GenerationId).Should().BeEmpty("a revert takes the saved content, not the model's");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events.Select(e => e.Stage).Should().Contain("phase_1_complete");
        reverted.StatusUrl.Should().Be($"/generations/{reverted.GenerationId}");
        reverted.ForkedFrom.Should().BeNull();
        foreach (var path in Changed)
        {
            files.GetValueOrDefault(path)?.Sha256.Should().Be(parentFiles.GetValueOrDefault(path)?.Sha256, path);
        }

        files.ContainsKey("src/added.txt").Should().BeFalse("it did not exist in the target");
        files.Keys.Except(Changed).Should().BeEquivalentTo(iterationFiles.Keys.Except(Changed));
        files.Values.Where(f => !Changed.Contains(f.Path)).Should().OnlyContain(f => f.Sha256 == iterationFiles[f.Path].Sha256);
        (await _host.Host.Records.GetAsync(reverted.GenerationId))!.ParentGenerationId.Should().Be(iteration.GenerationId);
    }

    [Fact]
    public async Task Revert_WithAnIdempotencyKeyRepeated_StartsOneRevert()
    {
        var (_, iteration) = await IteratedAsync();

        using var first = await _host.PostAsync(iteration.GenerationId, "revert", iteration.ControlToken, Revert(["src/shared.txt"], "phase:0"), idempotencyKey: "revert-1");
        using var again = await _host.PostAsync(iteration.GenerationId, "revert", iteration.ControlToken, Revert(["src/shared.txt"], "phase:0"), idempotencyKey: "revert-1");

        (await ChangesHost.StartedAsync(again)).GenerationId.Should().Be((await ChangesHost.StartedAsync(first)).GenerationId);
    }

    public static TheoryData<string, string> HostilePaths => new()
    {
        { "../x", "is refused:" },
        { "/etc/passwd", "is refused:" },
        { "C:/Windows/win.ini", "is refused:" },
        { "src\\..\\x.txt", "is refused:" },
        { "src/file\0.txt", "is refused:" },
        { "src/new\nline.txt", "is refused:" },
        { "", "is refused:" },
        { ".git/config", "is in neither" },
        { "src/" + new string('a', 5000) + ".txt", "is refused:" },
    };

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public async Task Revert_HostilePath_Answers400NamingIt(string path, string expected)
    {
        var (_, iteration) = await IteratedAsync();

        using var response = await _host.PostAsync(iteration.GenerationId, "revert", iteration.ControlToken, Revert(["src/shared.txt", path], "phase:0"));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().StartWith("'paths[1]' ").And.Contain(expected);
        _host.Generator.PhasesOf(iteration.GenerationId).Should().HaveCount(4, "nothing else ran");
    }

    [Theory]
    [InlineData("{\"to\":\"phase:0\"}", "'paths' is required")]
    [InlineData("{\"paths\":[],\"to\":\"phase:0\"}", "'paths' is required")]
    [InlineData("{\"paths\":\"src/shared.txt\",\"to\":\"phase:0\"}", "paths")]
    [InlineData("{\"paths\":[1],\"to\":\"phase:0\"}", "paths")]
    [InlineData("{\"paths\":[null],\"to\":\"phase:0\"}", "'paths[0]'")]
    [InlineData("{\"paths\":[\"src/shared.txt\",\"src/added.txt\",\"src/shared.txt\"],\"to\":\"phase:0\"}", "'paths[2]' repeats 'paths[0]'")]
    [InlineData("{\"paths\":[\"src/nowhere.txt\"],\"to\":\"phase:0\"}", "'paths[0]'")]
    [InlineData("{\"paths\":[\"src/shared.txt\"]}", "'to' is required")]
    [InlineData("{\"paths\":[\"src/shared.txt\"],\"to\":\"\"}", "'to' is required")]
    [InlineData("{\"paths\":[\"src/shared.txt\"],\"to\":\"phase:x\"}", "'to'")]
    [InlineData("{\"paths\":[\"src/shared.txt\"],\"to\":\"phase:01\"}", "'to'")]
    [InlineData("{\"paths\":[\"src/shared.txt\"],\"to\":\"phase:9\"}", "phase 9")]
    [InlineData("{\"paths\":[\"src/shared.txt\"],\"to\":\"no id!\"}", "'to'")]
    [InlineData("{\"paths\":[\"src/shared.txt\"],\"to\":2}", "to")]
    [InlineData("{\"paths\":[\"src/shared.txt\"]", "JSON")]
    public async Task Revert_BadBody_Answers400NamingTheField(string body, string expected)
    {
        var (_, iteration) = await IteratedAsync();

        using var response = await _host.PostAsync(iteration.GenerationId, "revert", iteration.ControlToken, body);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain(expected);
    }

    [Fact]
    public async Task Revert_ToAGenerationWithNoSavedFiles_Answers404()
    {
        var (_, iteration) = await IteratedAsync();
        var (empty, token) = await _host.Host.CreateGenerationLogAsync();

        using var response = await _host.PostAsync(
            iteration.GenerationId, "revert", iteration.ControlToken, Revert(["src/shared.txt"], empty), query: "to_token=" + Uri.EscapeDataString(token));

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Revert_ToAnUnknownGeneration_IsRefusedAsItsTokenWithoutSayingWhetherItExists()
    {
        var (_, iteration) = await IteratedAsync();
        var unknown = Guid.NewGuid().ToString();

        using var response = await _host.PostAsync(
            iteration.GenerationId, "revert", iteration.ControlToken, Revert(["src/shared.txt"], unknown), query: "to_token=" + Uri.EscapeDataString(_host.Host.Tokens.IssueToken(unknown)));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().StartWith($"to generation '{unknown}': ");
    }

    [Fact]
    public async Task Revert_ToAnotherGenerationWithoutItsToken_Answers401NamingIt()
    {
        var (_, iteration) = await IteratedAsync();
        var (stranger, _) = await _host.CompletedAsync("User");

        using var response = await _host.PostAsync(iteration.GenerationId, "revert", iteration.ControlToken, Revert(["src/shared.txt"], stranger.GenerationId));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().StartWith($"to generation '{stranger.GenerationId}': ").And.Contain("to_token");
    }

    [Fact]
    public async Task Revert_ToAnotherGenerationWithAForeignToken_Answers403NamingIt()
    {
        var (_, iteration) = await IteratedAsync();
        var (stranger, _) = await _host.CompletedAsync("User");

        using var response = await _host.PostAsync(
            iteration.GenerationId, "revert", iteration.ControlToken, Revert(["src/shared.txt"], stranger.GenerationId), query: "to_token=" + Uri.EscapeDataString(iteration.SseToken));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().StartWith($"to generation '{stranger.GenerationId}': ");
    }

    [Fact]
    public async Task Revert_LockedPath_Answers409NamingIt()
    {
        var started = await _host.Client.StartReviewedAsync("{\"after_phases\":[1]}");
        using var stream = await _host.Client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        await events.ReadUntilAsync(GateHttp.Stage(GenerationStages.AwaitingInput));
        await _host.Client.AcceptedInputAsync(started, "{\"action\":\"lock\",\"paths\":[\"src/phase1.txt\"]}");
        await _host.Client.AcceptedInputAsync(started, "{\"action\":\"approve\"}");
        var (last, _) = await events.ReadUntilAsync(e => e.IsTerminal);

        using var response = await _host.PostAsync(started.GenerationId, "revert", started.ControlToken, Revert(["src/shared.txt", "src/phase1.txt"], "phase:1"));

        last.Status.Should().Be(GenerationStatus.Completed);
        (await response.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Should().Contain("'paths[1]'").And.Contain("locked");
    }

    [Fact]
    public async Task Revert_RunningGeneration_Answers409()
    {
        var (id, _) = await _host.Host.CreateGenerationLogAsync();

        using var response = await _host.PostAsync(id, "revert", _host.Host.Tokens.IssueToken(id, Iteration.Streaming.Security.StreamTokenScope.Control), Revert(["src/a.txt"], "phase:0"));

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Revert_WithTheReadToken_Answers403AskingForTheControlToken()
    {
        var (_, iteration) = await IteratedAsync();

        using var response = await _host.PostAsync(iteration.GenerationId, "revert", iteration.SseToken, Revert(["src/shared.txt"], "phase:0"));

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().Contain("control_token");
    }

    [Fact]
    public async Task Revert_WithoutAToken_Answers401()
    {
        var (_, iteration) = await IteratedAsync();

        using var response = await _host.PostAsync(iteration.GenerationId, "revert", token: null, Revert(["src/shared.txt"], "phase:0"));

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Revert_OversizedBody_Answers413()
    {
        var (_, iteration) = await IteratedAsync();
        var limit = Iteration.Streaming.AspNetCore.Endpoints.RequestLimits.MaxRevertBodyBytes(new Iteration.Streaming.Hosting.IterationStreamingOptions());
        var body = Revert(["src/shared.txt"], "phase:0").Replace("\"src/shared.txt\"", "\"src/shared.txt\"" + new string(' ', (int)limit), StringComparison.Ordinal);

        using var response = await _host.PostAsync(iteration.GenerationId, "revert", iteration.ControlToken, body);

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Revert_NotJson_Answers415()
    {
        var (_, iteration) = await IteratedAsync();

        using var response = await _host.PostAsync(iteration.GenerationId, "revert", iteration.ControlToken, "paths=src/shared.txt", "text/plain");

        (await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType)).Should().Contain("application/json");
    }
}
