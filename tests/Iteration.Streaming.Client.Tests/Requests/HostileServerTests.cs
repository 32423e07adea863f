using Iteration.Streaming.Client.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Requests;

/// <summary>
/// A server whose success answers are not what the protocol says: the client reports an
/// <see cref="IterationApiException"/> rather than a serializer or argument error from deep inside.
/// </summary>
public sealed class HostileServerTests : IAsyncLifetime
{
    private static readonly string Id = TestEvents.NewId();
    private string _startBody = string.Empty;
    private string _snapshotBody = string.Empty;
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: app =>
        {
            app.MapPost("/generations", context => AnswerAsync(context, StatusCodes.Status202Accepted, _startBody));
            app.MapGet("/generations/{id}", context => AnswerAsync(context, StatusCodes.Status200OK, _snapshotBody));
        });
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task AnswerAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"generation_id\":\"x\"}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"generation_id\":\"../archive\",\"sse_token\":\"t\",\"stream_url\":\"/s\",\"status_url\":\"/s\"}")]
    [InlineData("{\"generation_id\":\"ok\",\"sse_token\":\"bad token\\r\\nX-Evil: 1\",\"stream_url\":\"/s\",\"status_url\":\"/s\"}")]
    public async Task StartAsync_AcceptedButTheBodyIsNotAStartedGeneration_ThrowsApiException(string body)
    {
        _startBody = body;

        var act = () => _client.StartAsync("Build a task app");

        (await act.Should().ThrowAsync<IterationApiException>()).Which.Message.Should().Contain("server");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("null")]
    public async Task GetSnapshotAsync_OkButTheBodyIsNotASnapshot_ThrowsApiException(string body)
    {
        _snapshotBody = body;

        var act = () => _client.GetSnapshotAsync(new GenerationHandle(Id, "token"));

        await act.Should().ThrowAsync<IterationApiException>();
    }

    [Fact]
    public async Task GetSnapshotAsync_WellFormedBody_IsRead()
    {
        _snapshotBody = $"{{\"generation_id\":\"{Id}\",\"status\":\"processing\",\"last_event_id\":3,\"file_count\":2}}";

        var snapshot = await _client.GetSnapshotAsync(new GenerationHandle(Id, "token"));

        snapshot.LastEventId.Should().Be(3);
        snapshot.FileCount.Should().Be(2);
    }
}
