using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

public sealed class TokenExpiryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(configureServices: b => b.Services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<HttpResponseMessage> OpenAsync(string id, string token) =>
        await _host.CreateClient().GetStreamAsync(id, token);

    [Fact]
    public async Task Stream_TokenPastItsLifetime_Answers401()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();

        _clock.Advance(TimeSpan.FromMinutes(30));
        using var response = await OpenAsync(id, token);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("expired");
    }

    [Fact]
    public async Task Stream_TokenWithinItsLifetime_SurvivesReconnects()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 0));

        _clock.Advance(TimeSpan.FromMinutes(29));
        using var first = await OpenAsync(id, token);
        first.Dispose();
        using var second = await OpenAsync(id, token);

        second.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Stream_WithinTheGracePeriodAfterTheTerminalEvent_StillReplays()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Completed(id) with { Timestamp = _clock.GetUtcNow() });

        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        using var response = await OpenAsync(id, token);

        (await response.ReadAllEventsAsync().WithPatience()).Should().ContainSingle();
    }

    [Fact]
    public async Task Stream_AfterTheGracePeriodFollowingTheTerminalEvent_Answers401()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Completed(id) with { Timestamp = _clock.GetUtcNow() });

        _clock.Advance(TimeSpan.FromMinutes(5));
        using var response = await OpenAsync(id, token);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("expired");
    }
}
