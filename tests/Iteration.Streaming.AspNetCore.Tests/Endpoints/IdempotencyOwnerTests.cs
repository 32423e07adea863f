using System.Net;
using System.Net.Http.Json;
using System.Text;
using Iteration.Streaming.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>With an owner resolver, an <c>Idempotency-Key</c> belongs to the caller: another user's same key is another request.</summary>
public sealed class IdempotencyOwnerTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureStreaming: s => s.AddGenerationOwnerResolver(
            context => ValueTask.FromResult<string?>(context.Request.Headers["X-User"].FirstOrDefault())));
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<string> StartAsUserAsync(string user, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations")
        {
            Content = new StringContent("{\"prompt\":\"Build a task app\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-User", user);
        request.Headers.Add("Idempotency-Key", key);
        using var response = await _client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!.GenerationId;
    }

    [Fact]
    public async Task Start_SameKeyFromTwoUsers_StartsOneGenerationEach()
    {
        var key = Guid.NewGuid().ToString();

        var alice = await StartAsUserAsync("alice", key);
        var bob = await StartAsUserAsync("bob", key);
        var aliceAgain = await StartAsUserAsync("alice", key);

        bob.Should().NotBe(alice);
        aliceAgain.Should().Be(alice);
    }
}
