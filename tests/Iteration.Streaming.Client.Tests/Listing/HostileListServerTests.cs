using Iteration.Streaming.Client.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Listing;

/// <summary>A list route whose answers are not what the protocol says: the client reports an <see cref="IterationApiException"/> and never loops.</summary>
public sealed class HostileListServerTests : IAsyncLifetime
{
    private string _body = string.Empty;
    private int _calls;
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: app => app.MapGet("/generations", async context =>
        {
            Interlocked.Increment(ref _calls);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(_body);
        }));
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Page(string? next) =>
        $$"""{"generations":[{"generation_id":"g-1","prompt":"p","status":"completed","created_at":"2026-12-06T10:00:00Z","progress":1.0,"file_count":1}]{{(next is null ? string.Empty : $",\"next_cursor\":\"{next}\"")}}}""";

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"generations":[{"generation_id":"g-1"}]}""")]
    public async Task ListAsync_OkButTheBodyIsNotAList_ThrowsApiException(string body)
    {
        _body = body;

        var act = () => _client.ListAsync();

        (await act.Should().ThrowAsync<IterationApiException>()).Which.Message.Should().Contain("server");
    }

    [Fact]
    public async Task ListAllAsync_ServerRepeatsItsCursor_ThrowsInsteadOfLooping()
    {
        _body = Page("same");

        var act = async () =>
        {
            await foreach (var _ in _client.ListAllAsync())
            {
            }
        };

        (await act.Should().ThrowAsync<IterationApiException>()).Which.Message.Should().Contain("cursor");
        _calls.Should().Be(2);
    }

    [Fact]
    public async Task ListAllAsync_ServerSendsACursorTooLongToSendBack_ThrowsApiException()
    {
        _body = Page(new string('a', GenerationListOptions.MaxCursorLength + 1));

        var act = async () =>
        {
            await foreach (var _ in _client.ListAllAsync())
            {
            }
        };

        (await act.Should().ThrowAsync<IterationApiException>()).Which.InnerException.Should().BeOfType<ArgumentException>();
    }
}
