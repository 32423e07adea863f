using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>A stream ends cleanly after its jittered <c>MaxStreamLifetime</c>; the client resumes with nothing lost.</summary>
public sealed class StreamLifetimeTests : IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.MaxStreamLifetime = Lifetime;
                o.RetryInterval = TimeSpan.FromSeconds(2);
                o.HeartbeatInterval = TimeSpan.FromHours(1);
                o.TokenLifetime = TimeSpan.FromHours(2);
            },
            configureServices: b => b.Services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Stream_PastItsLifetime_EndsWithARetryLine_AndResumesWithNothingLost()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 0));
        using var first = await _host.CreateClient().GetStreamAsync(id, token);
        var body = await first.Content.ReadAsStreamAsync();
        await body.ReadRawUntilAsync(t => t.Contains("id: 1\n", StringComparison.Ordinal)).WithPatience();
        var beforeEnd = _clock.GetUtcNow();

        _clock.Advance(Lifetime * 0.89);
        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 1));
        var stillOpen = await body.ReadRawUntilAsync(t => t.Contains("id: 2\n", StringComparison.Ordinal)).WithPatience();
        _clock.Advance(Lifetime * 0.22);
        var rest = await new StreamReader(body).ReadToEndAsync().WithPatience();
        await _host.EventLog.AppendAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        using var second = await _host.CreateClient().GetStreamAsync(id, token, lastEventId: 2);
        var resumed = await second.ReadAllEventsAsync().WithPatience();

        stillOpen.Should().Contain("id: 2\n", "the stream lives at least 90 % of its lifetime");
        var retry = rest.Split('\n').Last(l => l.StartsWith("retry: ", StringComparison.Ordinal));
        long.Parse(retry["retry: ".Length..], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(1_800, 2_200, "RetryInterval, jittered by 10 %");
        resumed.Select(e => e.Sequence()).Should().Equal(3);
        (_clock.GetUtcNow() - beforeEnd).Should().BeGreaterThan(Lifetime);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("1.00:00:01")]
    public async Task MaxStreamLifetime_OutOfRange_FailsAtStart(string value)
    {
        var act = () => KestrelTestHost.StartAsync(o => o.MaxStreamLifetime = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        (await act.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Message.Should().Contain("MaxStreamLifetime");
    }
}
