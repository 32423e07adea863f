using System.Net;
using System.Net.Http.Json;
using System.Text;
using Iteration.Streaming.Events;
using Iteration.Streaming.Idempotency;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>A key store that fails to record a started run's answer: the client still gets its 202, and the log says so.</summary>
public sealed class IdempotencyStoreFailureTests
{
    [Fact]
    public async Task Start_KeyCannotBeRecordedAfterTheRunStarted_Answers202AndLogsAWarning()
    {
        await using var host = await KestrelTestHost.StartAsync(configureStreaming: s =>
        {
            s.Services.RemoveAll<IIdempotencyStore>();
            s.Services.AddSingleton<IIdempotencyStore, FailingCompletionStore>();
        });
        using var client = host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations")
        {
            Content = new StringContent("{\"prompt\":\"Build a task app\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var started = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);
        host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 2031 && r.Message.Contains(started!.GenerationId, StringComparison.Ordinal));
    }

    private sealed class FailingCompletionStore : IIdempotencyStore
    {
        public bool IsDurable => false;

        public ValueTask<IdempotencyEntry?> TryAddAsync(IdempotencyEntry entry, CancellationToken cancellationToken = default) => ValueTask.FromResult<IdempotencyEntry?>(null);

        public ValueTask<IdempotencyEntry?> GetAsync(string key, CancellationToken cancellationToken = default) => ValueTask.FromResult<IdempotencyEntry?>(null);

        public ValueTask<bool> CompleteAsync(string key, string fingerprint, string result, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The store is down.");

        public ValueTask<bool> RemoveAsync(string key, string fingerprint, CancellationToken cancellationToken = default) => ValueTask.FromResult(true);
    }
}
