using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.AspNetCore.Tests.Gates;

/// <summary>
/// Choosing gates: <c>review</c> in the start, iterate and retry bodies (bad values 400 naming the field), and the host's
/// <c>IterationStreaming:DefaultReview</c> for a request that names none.
/// </summary>
public sealed class ReviewRequestTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync();
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<StreamingProgressEvent> FirstGateOrEndAsync(HttpClient client, GenerationStartedResponse started)
    {
        using var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        return (await events.ReadUntilAsync(e => e.Stage == GenerationStages.AwaitingInput || e.IsTerminal)).Event;
    }

    private async Task<GenerationStartedResponse> CancelledAtThePlanGateAsync()
    {
        var started = await _client.StartReviewedAsync("{\"plan\":true}");
        await FirstGateOrEndAsync(_client, started);
        (await _client.AcceptedInputAsync(started, "{\"action\":\"cancel\"}")).Status.Should().Be(GenerationStatus.Cancelled);
        return started;
    }

    private async Task<HttpResponseMessage> RetryAsync(GenerationStartedResponse generation, HttpContent? content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{generation.GenerationId}/retry") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", generation.ControlToken);
        return await _client.SendAsync(request);
    }

    private static StringContent JsonBody(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Start_AfterPhasesAll_StopsAfterPhaseOne()
    {
        var started = await _client.StartReviewedAsync("{\"after_phases\":\"all\"}");

        var gate = await FirstGateOrEndAsync(_client, started);

        gate.InputRequest!.Should().Match<InputRequest>(r => r.Kind == InputRequestKinds.Phase && r.Phase == 1);
    }

    [Theory]
    [InlineData("{\"after_phases\":[0]}")]
    [InlineData("{\"after_phases\":[-1]}")]
    [InlineData("{\"after_phases\":[101]}")]
    public async Task Start_AfterPhasesOutOfRange_Answers400NamingTheField(string review)
    {
        using var response = await _client.PostAsync("generations", JsonBody($"{{\"prompt\":\"x\",\"review\":{review}}}"));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("after_phases");
    }

    [Theory]
    [InlineData("{\"after_phases\":\"some\"}", "'review.after_phases'")]
    [InlineData("{\"after_phases\":\"ALL \"}", "'review.after_phases'")]
    [InlineData("{\"after_phases\":\"1,3\"}", "'review.after_phases'")]
    [InlineData("{\"after_phases\":[1.5]}", "'review.after_phases'")]
    [InlineData("{\"after_phases\":true}", "'review.after_phases'")]
    [InlineData("{\"after_phases\":{\"all\":true}}", "'review.after_phases'")]
    [InlineData("{\"plan\":\"yes\"}", "'review.plan'")]
    [InlineData("\"all\"", "'review'")]
    public async Task Start_ReviewOfTheWrongShape_Answers400NamingTheField(string review, string field)
    {
        using var response = await _client.PostAsync("generations", JsonBody($"{{\"prompt\":\"x\",\"review\":{review}}}"));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain(field);
    }

    [Fact]
    public async Task Iterate_WithReview_StopsAtThePlanGate()
    {
        var parent = await _host.StartGenerationAsync(_client);
        (await FirstGateOrEndAsync(_client, parent)).Status.Should().Be(GenerationStatus.Completed);
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations/iterate")
        {
            Content = JsonBody($"{{\"parent_generation_id\":\"{parent.GenerationId}\",\"modification_prompt\":\"Add due dates\",\"review\":{{\"plan\":true}}}}"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", parent.ControlToken);

        using var response = await _client.SendAsync(request);
        var child = (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        var gate = await FirstGateOrEndAsync(_client, child);

        gate.InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
    }

    [Fact]
    public async Task Retry_WithAReviewBody_StopsAtThePlanGate()
    {
        var cancelled = await CancelledAtThePlanGateAsync();

        using var response = await RetryAsync(cancelled, JsonBody("{\"review\":{\"plan\":true}}"));
        var retry = (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        var gate = await FirstGateOrEndAsync(_client, retry);

        retry.RetryOf.Should().Be(cancelled.GenerationId);
        gate.InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
    }

    [Fact]
    public async Task Retry_WithAnEmptyBody_RunsWithoutGatesAsBefore()
    {
        var cancelled = await CancelledAtThePlanGateAsync();

        using var response = await RetryAsync(cancelled, content: null);
        var retry = (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        var end = await FirstGateOrEndAsync(_client, retry);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        end.Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public async Task Retry_WithAnEmptyJsonObject_RunsWithoutGates()
    {
        var cancelled = await CancelledAtThePlanGateAsync();

        using var response = await RetryAsync(cancelled, JsonBody("{}"));
        var retry = (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;

        (await FirstGateOrEndAsync(_client, retry)).Status.Should().Be(GenerationStatus.Completed);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"review\":{\"after_phases\":\"sometimes\"}}")]
    [InlineData("{\"review\":5}")]
    [InlineData("[]")]
    public async Task Retry_WithAMalformedBody_Answers400(string body)
    {
        var cancelled = await CancelledAtThePlanGateAsync();

        using var response = await RetryAsync(cancelled, JsonBody(body));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Retry_WithAfterPhasesOutOfRange_Answers400NamingTheField()
    {
        var cancelled = await CancelledAtThePlanGateAsync();

        using var response = await RetryAsync(cancelled, JsonBody("{\"review\":{\"after_phases\":[0]}}"));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("review.after_phases");
    }
}

/// <summary><c>IterationStreaming:DefaultReview</c> from configuration gates a start that names no review.</summary>
public sealed class DefaultReviewConfigurationTests
{
    private static async Task<KestrelTestHost> HostWithAsync(string json) =>
        await KestrelTestHost.StartAsync(configureServices: b => b.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))));

    private static async Task<StreamingProgressEvent> FirstGateOrEndOfAStartAsync(KestrelTestHost host)
    {
        var client = host.CreateClient();
        var started = await host.StartGenerationAsync(client);
        using var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        return (await events.ReadUntilAsync(e => e.Stage == GenerationStages.AwaitingInput || e.IsTerminal)).Event;
    }

    [Fact]
    public async Task Start_WithDefaultReviewPlan_StopsAtThePlanGate()
    {
        await using var host = await HostWithAsync("{\"IterationStreaming\":{\"DefaultReview\":{\"Plan\":true}}}");

        (await FirstGateOrEndOfAStartAsync(host)).InputRequest!.Kind.Should().Be(InputRequestKinds.Plan);
    }

    [Fact]
    public async Task Start_WithDefaultReviewAfterPhasesAll_StopsAfterPhaseOne()
    {
        await using var host = await HostWithAsync("{\"IterationStreaming\":{\"DefaultReview\":{\"AfterPhases\":\"all\"}}}");

        (await FirstGateOrEndOfAStartAsync(host)).InputRequest!.Phase.Should().Be(1);
    }

    [Fact]
    public async Task Start_WithDefaultReviewAfterPhasesAsAJsonArray_StopsAfterTheNamedPhase()
    {
        await using var host = await HostWithAsync("{\"IterationStreaming\":{\"DefaultReview\":{\"AfterPhases\":[2]}}}");

        (await FirstGateOrEndOfAStartAsync(host)).InputRequest!.Should().Match<InputRequest>(r => r.Kind == InputRequestKinds.Phase && r.Phase == 2);
    }

    [Fact]
    public async Task Start_WithADefaultReviewButAnExplicitReview_TakesTheRequests()
    {
        await using var host = await HostWithAsync("{\"IterationStreaming\":{\"DefaultReview\":{\"Plan\":true}}}");
        var client = host.CreateClient();

        var started = await client.StartReviewedAsync("{\"after_phases\":[1]}");
        using var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken);
        await using var events = stream.ReadEventsAsync().GetAsyncEnumerator();
        var gate = (await events.ReadUntilAsync(e => e.Stage == GenerationStages.AwaitingInput || e.IsTerminal)).Event;

        gate.InputRequest!.Should().Match<InputRequest>(r => r.Kind == InputRequestKinds.Phase && r.Phase == 1);
    }

    [Theory]
    [InlineData("\"sometimes\"")]
    [InlineData("\"0\"")]
    [InlineData("[\"x\"]")]
    public async Task Host_WithABadDefaultReviewAfterPhases_FailsAtStartNamingTheSetting(string value)
    {
        var act = async () => await HostWithAsync($"{{\"IterationStreaming\":{{\"DefaultReview\":{{\"AfterPhases\":{value}}}}}}}");

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("IterationStreaming:DefaultReview:AfterPhases");
    }
}
