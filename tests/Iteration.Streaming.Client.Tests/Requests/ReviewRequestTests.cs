using System.Collections.Concurrent;
using System.Text.Json;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Requests;

/// <summary>
/// Start, iterate and retry with review gates: the <c>review</c> goes in the body as the contract spells it, and the
/// calls without one send exactly what they sent before (a retry still sends no body).
/// </summary>
public sealed class ReviewRequestTests : IAsyncLifetime
{
    private static readonly ReviewRequest PlanAndPhaseOne = new() { Plan = true, AfterPhases = PhaseSelection.Of(1) };
    private readonly ConcurrentQueue<(string Path, string Authorization, string Body)> _requests = new();
    private readonly GenerationHandle _parent = new(TestEvents.NewId(), "read") { ControlToken = "control" };
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: app =>
        {
            app.MapPost("/generations", RecordAsync);
            app.MapPost("/generations/iterate", RecordAsync);
            app.MapPost("/generations/{id}/retry", RecordAsync);
        });
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        _requests.Enqueue((context.Request.Path, context.Request.Headers.Authorization.ToString(), await reader.ReadToEndAsync()));
        var id = TestEvents.NewId();
        await Results.Json(
            new GenerationStartedResponse { GenerationId = id, SseToken = "read", ControlToken = "control", StreamUrl = $"/generations/{id}/stream", StatusUrl = $"/generations/{id}" },
            IterationStreamingJson.GenerationStartedResponse,
            statusCode: StatusCodes.Status202Accepted).ExecuteAsync(context);
    }

    private JsonElement SingleBody()
    {
        var body = _requests.Should().ContainSingle().Subject.Body;
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task StartAsync_WithReview_SendsItAsReviewPlanAndAfterPhases()
    {
        await _client.StartAsync("A task tracker", ["User", "Task"], PlanAndPhaseOne);

        var review = SingleBody().GetProperty("review");
        review.GetProperty("plan").GetBoolean().Should().BeTrue();
        review.GetProperty("after_phases").EnumerateArray().Select(p => p.GetInt32()).Should().Equal(1);
    }

    [Fact]
    public async Task StartAsync_ReviewAfterEveryPhase_SendsAll()
    {
        await _client.StartAsync("A task tracker", null, new ReviewRequest { AfterPhases = PhaseSelection.All });

        var review = SingleBody().GetProperty("review");
        review.GetProperty("after_phases").GetString().Should().Be("all");
        review.TryGetProperty("plan", out _).Should().BeFalse("an unset field is left out");
    }

    [Fact]
    public async Task StartAsync_WithoutReview_SendsNoReviewField()
    {
        await _client.StartAsync("A task tracker", ["User"]);

        SingleBody().TryGetProperty("review", out _).Should().BeFalse();
    }

    [Fact]
    public async Task IterateAsync_WithReview_SendsItWithTheParentAndTheControlToken()
    {
        await _client.IterateAsync(_parent, "Add due dates", PlanAndPhaseOne);

        var request = _requests.Should().ContainSingle().Subject;
        request.Authorization.Should().Be("Bearer control");
        var body = JsonDocument.Parse(request.Body).RootElement;
        body.GetProperty("parent_generation_id").GetString().Should().Be(_parent.GenerationId);
        body.GetProperty("review").GetProperty("plan").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task IterateAsync_ByIdWithReview_SendsItWithoutAnAuthorizationOfItsOwn()
    {
        await _client.IterateAsync(_parent.GenerationId, "Add due dates", PlanAndPhaseOne);

        var request = _requests.Should().ContainSingle().Subject;
        request.Authorization.Should().BeEmpty();
        JsonDocument.Parse(request.Body).RootElement.GetProperty("review").GetProperty("after_phases")[0].GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task RetryAsync_WithReview_SendsItAsTheBody()
    {
        await _client.RetryAsync(_parent, new ReviewRequest { Plan = true });

        var request = _requests.Should().ContainSingle().Subject;
        request.Path.Should().Be($"/generations/{_parent.GenerationId}/retry");
        request.Authorization.Should().Be("Bearer control");
        JsonDocument.Parse(request.Body).RootElement.GetProperty("review").GetProperty("plan").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task RetryAsync_WithoutReview_SendsNoBody()
    {
        await _client.RetryAsync(_parent, review: null);

        _requests.Should().ContainSingle().Which.Body.Should().BeEmpty();
    }
}
