using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Builder;

namespace Iteration.Streaming.AspNetCore.Tests.EndToEnd;

public sealed class StartAndStreamTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private KestrelTestHost Host => fixture.Host;

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Start_Answers202WithIdTokenAndUrls()
    {
        using var response = await Client.PostAsJsonAsync("generations", new StartGenerationRequest { Prompt = "Build a task app", Entities = ["User"] }, IterationStreamingJson.StartGenerationRequest);
        var started = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        Guid.TryParse(started!.GenerationId, out _).Should().BeTrue();
        started.SseToken.Should().NotBeNullOrEmpty();
        started.ControlToken.Should().NotBeNullOrEmpty().And.NotBe(started.SseToken);
        started.RetryOf.Should().BeNull();
        started.StreamUrl.Should().Be($"/generations/{started.GenerationId}/stream");
        started.StatusUrl.Should().Be($"/generations/{started.GenerationId}");
        response.Headers.Location!.OriginalString.Should().Be(started.StatusUrl);
        response.Headers.CacheControl!.NoStore.Should().BeTrue("the body carries a token");
    }

    [Fact]
    public async Task Start_BodyUsesSnakeCase()
    {
        using var response = await Client.PostAsJsonAsync("generations", new StartGenerationRequest { Prompt = "x" }, IterationStreamingJson.StartGenerationRequest);
        var json = await response.Content.ReadAsStringAsync();

        json.Should().Contain("\"generation_id\":").And.Contain("\"sse_token\":").And.Contain("\"control_token\":").And.Contain("\"stream_url\":").And.Contain("\"status_url\":");
    }

    [Fact]
    public async Task StartThenStream_LikeTheGuidesClient_EndsWithCompletedAndTheGuidesShape()
    {
        var started = await Host.StartGenerationAsync(Client, entities: ["User"]);

        using var response = await Client.GetAsync($"{started.StreamUrl.TrimStart('/')}?token={started.SseToken}", HttpCompletionOption.ResponseHeadersRead);
        var events = (await response.ReadAllEventsAsync().WithPatience()).Select(i => i.ToProgressEvent()).ToList();

        events.Should().OnlyContain(e => e.GenerationId == started.GenerationId);
        events.Select(e => e.Progress).Should().BeInAscendingOrder();
        var stages = events.Select(e => e.Stage).Where(s => !s.EndsWith("_progress", StringComparison.Ordinal)).ToList();
        stages.Should().ContainInOrder(
            GenerationStages.Initializing,
            GenerationStages.CodeGeneration,
            GenerationStages.PhasedGenerationStarted,
            GenerationStages.PhaseComplete(1),
            GenerationStages.PhaseComplete(2),
            GenerationStages.FileManagement,
            GenerationStages.QualityAssessment,
            GenerationStages.Completed);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events[^1].Progress.Should().Be(1.0);
    }

    [Fact]
    public async Task StartThenStream_WithTheBearerHeader_Works()
    {
        var started = await Host.StartGenerationAsync(Client);

        using var response = await Client.GetStreamAsync(started.GenerationId, started.SseToken);

        (await response.ReadAllEventsAsync().WithPatience())[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task Snapshot_AfterTheRun_ShowsTheLastEventAndFileCounts()
    {
        var started = await Host.StartGenerationAsync(Client, entities: ["User"]);
        using (var stream = await Client.GetStreamAsync(started.GenerationId, started.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, started.StatusUrl.TrimStart('/'));
        request.Headers.Authorization = new("Bearer", started.SseToken);
        using var response = await Client.SendAsync(request);
        var snapshot = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationSnapshot);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        snapshot!.Status.Should().Be(GenerationStatus.Completed);
        snapshot.LastEvent!.Stage.Should().Be(GenerationStages.Completed);
        snapshot.LastEventId.Should().BeGreaterThan(0);
        snapshot.FileCount.Should().Be(8, "4 phases of 2 files");
        snapshot.TotalBytes.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task Iterate_AFinishedParent_Answers202AndRunsFromTheParentsFiles()
    {
        var parent = await Host.StartGenerationAsync(Client);
        using (var stream = await Client.GetStreamAsync(parent.GenerationId, parent.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "generations/iterate")
        {
            Content = JsonContent.Create(
                new IterateGenerationRequest { ParentGenerationId = parent.GenerationId, ModificationPrompt = "Add authentication" },
                IterationStreamingJson.IterateGenerationRequest),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", parent.ControlToken);
        using var response = await Client.SendAsync(request);
        var started = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);
        using var iteration = await Client.GetStreamAsync(started!.GenerationId, started.SseToken);
        var events = await iteration.ReadAllEventsAsync().WithPatience();

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        started.GenerationId.Should().NotBe(parent.GenerationId);
        started.StreamUrl.Should().Be($"/generations/{started.GenerationId}/stream");
        events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task Iterate_UnknownParentWithoutAToken_Answers401NotRevealingItIsUnknown()
    {
        using var response = await Client.PostAsJsonAsync(
            "generations/iterate",
            new IterateGenerationRequest { ParentGenerationId = Guid.NewGuid().ToString(), ModificationPrompt = "x" },
            IterationStreamingJson.IterateGenerationRequest);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().NotContain("not found");
    }

    [Fact]
    public async Task Start_RequestTheEngineRefuses_Answers400WithItsReason()
    {
        using var response = await Client.PostAsJsonAsync(
            "generations",
            new StartGenerationRequest { Prompt = "x", Entities = ["User", "user"] },
            IterationStreamingJson.StartGenerationRequest);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("more than once");
    }
}
