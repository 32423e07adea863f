using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// Retries are bounded over HTTP: one live retry per generation (409 naming it), <c>MaxRetriesPerGeneration</c> in a
/// chain (409 naming the setting), and the <c>Idempotency-Key</c> answers the same retry again.
/// </summary>
public sealed class RetryBoundEndpointTests : IAsyncLifetime
{
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o => o.MaxRetriesPerGeneration = 2, generator: _generator);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<HttpResponseMessage> RetryAsync(GenerationStartedResponse generation, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{generation.GenerationId}/retry");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", generation.ControlToken);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return _client.SendAsync(request);
    }

    /// <summary>Runs <paramref name="generation"/>'s next phase into a failure and reads its stream to the end.</summary>
    private async Task FailAsync(GenerationStartedResponse generation)
    {
        using var stream = await _client.GetStreamAsync(generation.GenerationId, generation.SseToken);
        var reading = stream.ReadAllEventsAsync();
        (await _generator.NextPhaseAsync()).Fail(new GenerationFailedException("the model gave up"));
        (await reading.WithPatience())[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Failed);
    }

    private async Task<GenerationStartedResponse> FailedAsync()
    {
        var started = await _host.StartGenerationAsync(_client);
        await FailAsync(started);
        return started;
    }

    private static async Task<GenerationStartedResponse> AcceptedAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
    }

    [Fact]
    public async Task Retry_ConcurrentRequestsWithOneControlToken_AnswerExactlyOne202AndThe409sNameTheLiveRetry()
    {
        var failed = await FailedAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => RetryAsync(failed)));
        var live = await AcceptedAsync(responses.Single(r => r.StatusCode == HttpStatusCode.Accepted));
        await _generator.NextPhaseAsync();
        using var later = await RetryAsync(failed);

        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).Should().Be(9);
        (await later.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Should().Contain($"retry '{live.GenerationId}'");
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Retry_PastMaxRetriesPerGeneration_Answers409NamingTheSetting()
    {
        var failed = await FailedAsync();
        using var firstResponse = await RetryAsync(failed);
        var first = await AcceptedAsync(firstResponse);
        await FailAsync(first);
        using var secondResponse = await RetryAsync(first);
        var second = await AcceptedAsync(secondResponse);
        await FailAsync(second);

        using var third = await RetryAsync(second);

        (await third.ShouldBeProblemAsync(HttpStatusCode.Conflict)).Should().Contain("IterationStreaming:MaxRetriesPerGeneration").And.Contain("2 times");
    }

    [Fact]
    public async Task Retry_SameIdempotencyKeyTwice_AnswersTheSameRetryInsteadOf409()
    {
        var failed = await FailedAsync();
        var key = Guid.NewGuid().ToString();

        using var firstResponse = await RetryAsync(failed, key);
        var first = await AcceptedAsync(firstResponse);
        using var secondResponse = await RetryAsync(failed, key);
        var second = await AcceptedAsync(secondResponse);

        second.GenerationId.Should().Be(first.GenerationId);
        second.RetryOf.Should().Be(failed.GenerationId);
        (await _generator.NextPhaseAsync()).Complete();
    }
}
