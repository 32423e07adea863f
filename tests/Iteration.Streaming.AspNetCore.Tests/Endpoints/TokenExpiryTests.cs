using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>A token lives as long as its run (up to the hard cap) and a grace period after the end in the generation's record.</summary>
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
    public async Task Stream_LiveRunPastTheTokenLifetime_StillConnects()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 0));

        _clock.Advance(TimeSpan.FromMinutes(30) * 4);
        using var response = await OpenAsync(id, token);

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a long run must be able to reconnect");
    }

    [Fact]
    public async Task Stream_LiveRunAtTheHardCap_Answers401()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();

        _clock.Advance(TimeSpan.FromHours(24));
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
    public async Task Stream_WithinTheGracePeriodAfterTheRunEnded_StillReplays()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _clock.GetUtcNow() });

        _clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        using var response = await OpenAsync(id, token);

        (await response.ReadAllEventsAsync().WithPatience()).Should().ContainSingle();
    }

    [Fact]
    public async Task Stream_AfterTheGracePeriodFollowingTheRunsEnd_Answers401()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _clock.GetUtcNow() });

        _clock.Advance(TimeSpan.FromMinutes(5));
        using var response = await OpenAsync(id, token);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("expired");
    }

    [Fact]
    public async Task Files_RunLongerThanTheTokenLifetime_StayReadableThroughTheGrace()
    {
        // Wave 1's bug: a run outliving TokenLifetime could not fetch its files when it ended.
        var (id, token) = await _host.CreateGenerationLogAsync();
        _clock.Advance(TimeSpan.FromHours(2));
        await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _clock.GetUtcNow() });
        _clock.Advance(TimeSpan.FromMinutes(4));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{id}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        using var response = await _host.CreateClient().SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Cancel_ControlTokenOfALiveRunPastTheTokenLifetime_IsAccepted()
    {
        var (id, _) = await _host.CreateGenerationLogAsync();
        var control = _host.Tokens.IssueToken(id, Iteration.Streaming.Security.StreamTokenScope.Control);
        _clock.Advance(TimeSpan.FromHours(3));
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"generations/{id}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", control);

        using var response = await _host.CreateClient().SendAsync(request);

        // Made by hand, so no run of this engine holds it: the engine ends it on record.
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }
}
