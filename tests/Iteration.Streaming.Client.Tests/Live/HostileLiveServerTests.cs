using Iteration.Streaming.Client.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Live;

/// <summary>A server whose <c>/live</c> answer cannot be continued by deltas: the client refuses it as an <see cref="IterationApiException"/>.</summary>
public sealed class HostileLiveServerTests : IAsyncLifetime
{
    private string _body = string.Empty;
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureApp: app => app.MapGet("/generations/{id}/live", async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(_body);
        }));
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private const string Id = LiveEvents.Id;

    [Theory]
    [InlineData("not json", "not a GenerationLive")]
    [InlineData("null", "empty")]
    [InlineData("{\"status\":\"processing\",\"files\":[]}", "not a GenerationLive")]
    [InlineData("{\"generation_id\":\"11111111-4f89-11d3-9a0c-0305e82c3301\",\"status\":\"processing\",\"files\":[]}", "generation_id")]
    [InlineData("{\"generation_id\":\"" + Id + "\",\"status\":\"processing\",\"phase\":1,\"sequence\":3,\"files\":[{\"path\":\"a.ts\",\"text\":\"abc\",\"offset\":2}]}", "files[0].offset is 2")]
    [InlineData("{\"generation_id\":\"" + Id + "\",\"status\":\"processing\",\"phase\":1,\"sequence\":3,\"files\":[{\"path\":\"a.ts\",\"text\":\"a\",\"offset\":1},{\"path\":\"a.ts\",\"offset\":0}]}", "listed twice")]
    [InlineData("{\"generation_id\":\"" + Id + "\",\"status\":\"processing\",\"sequence\":-4,\"files\":[]}", "sequence is -4")]
    [InlineData("{\"generation_id\":\"" + Id + "\",\"status\":\"processing\",\"phase\":0,\"files\":[]}", "phase is 0")]
    [InlineData("{\"generation_id\":\"" + Id + "\",\"status\":\"processing\",\"files\":null}", "files is missing")]
    [InlineData("{\"generation_id\":\"" + Id + "\",\"status\":\"processing\",\"files\":[null]}", "files[0] has no path")]
    public async Task GetLiveAsync_AnswerThatCannotBeContinued_ThrowsApiExceptionSayingWhy(string body, string reason)
    {
        _body = body;

        var act = () => _client.GetLiveAsync(new GenerationHandle(Id, "token"));

        (await act.Should().ThrowAsync<IterationApiException>()).Which.Message.Should().Contain(reason);
    }
}
