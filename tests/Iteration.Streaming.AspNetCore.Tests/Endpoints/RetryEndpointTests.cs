using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// <c>POST {prefix}/{id}/retry</c>: a failed or cancelled generation becomes a new one (202, start's body plus
/// <c>retry_of</c>); running or completed is 409. Authorisation is in ActionAccessTests.
/// </summary>
public sealed class RetryEndpointTests : IAsyncLifetime
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

    private async Task<HttpResponseMessage> RetryAsync(GenerationStartedResponse generation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{generation.GenerationId}/retry");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", generation.ControlToken);
        return await _client.SendAsync(request);
    }

    /// <summary>A generation that saved phase 1 and then failed in phase 2 with <paramref name="failure"/>, or completed all four.</summary>
    private async Task<GenerationStartedResponse> EndedAsync(Exception? failure)
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        if (failure is not null)
        {
            (await _generator.NextPhaseAsync()).Fail(failure);
        }
        else
        {
            for (var phase = 2; phase <= 4; phase++)
            {
                (await _generator.NextPhaseAsync()).Complete();
            }
        }

        await reading.WithPatience();
        return started;
    }

    [Fact]
    public async Task Retry_FailedGeneration_Answers202WithStartsBodyRetryOfAndLocation()
    {
        var failed = await EndedAsync(new GenerationFailedException("the model gave up"));

        using var response = await RetryAsync(failed);
        var body = await response.Content.ReadAsStringAsync();
        var started = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, body);
        body.Should().Contain("\"retry_of\":").And.Contain("\"control_token\":").And.Contain("\"sse_token\":");
        started!.RetryOf.Should().Be(failed.GenerationId);
        started.GenerationId.Should().NotBe(failed.GenerationId);
        started.StatusUrl.Should().Be($"/generations/{started.GenerationId}");
        started.StreamUrl.Should().Be($"/generations/{started.GenerationId}/stream");
        response.Headers.Location!.OriginalString.Should().Be(started.StatusUrl);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Fact]
    public async Task Retry_CancelledGeneration_Answers202()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();
        await _generator.NextPhaseAsync();
        using (var cancel = new HttpRequestMessage(HttpMethod.Delete, started.StatusUrl.TrimStart('/')))
        {
            cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.ControlToken);
            (await _client.SendAsync(cancel)).StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        await reading.WithPatience();

        using var response = await RetryAsync(started);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Retry_RunningGeneration_Answers409()
    {
        var started = await _host.StartGenerationAsync(_client);
        var phase = await _generator.NextPhaseAsync();

        using var response = await RetryAsync(started);

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        phase.RunCancellation.IsCancellationRequested.Should().BeFalse();
        phase.Complete();
    }

    [Fact]
    public async Task Retry_CompletedGeneration_Answers409()
    {
        var completed = await EndedAsync(failure: null);

        using var response = await RetryAsync(completed);

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Retry_NonJsonBody_Answers415()
    {
        // The body is optional ({"review": …}); one that is sent must be JSON.
        var failed = await EndedAsync(new GenerationFailedException("no"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{failed.GenerationId}/retry")
        {
            Content = new StringContent("{ not json", System.Text.Encoding.UTF8, "text/plain"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", failed.ControlToken);

        using var response = await _client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType)).Should().Contain("application/json");
    }

    [Fact]
    public async Task Retry_WithABudget_202NamesTheBudgetTheRetryIsHeldTo()
    {
        var failed = await EndedAsync(new GenerationFailedException("the model gave up"));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{failed.GenerationId}/retry")
        {
            Content = JsonContent.Create(
                new RetryGenerationRequest { Budget = new GenerationBudget { MaxOutputTokens = 4_000 } }, IterationStreamingJson.RetryGenerationRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", failed.ControlToken);

        using var response = await _client.SendAsync(request);
        var retry = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        retry!.Budget.Should().Be(new GenerationBudget { MaxOutputTokens = 4_000 }, "this host has no cap");
        (await _host.Records.GetAsync(retry.GenerationId))!.Budget.Should().Be(retry.Budget);
    }

    [Theory]
    [InlineData("not%20an%20id")]
    [InlineData("..%2f..%2fetc")]
    [InlineData("%C3%A9")]
    public async Task Retry_BadId_Answers400(string id)
    {
        using var response = await _client.PostAsync($"generations/{id}/retry", content: null);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("generation id");
    }
}
