using Iteration.Streaming.Client.Tests.Infrastructure;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// How long the client waits before reconnecting: the server's <c>retry:</c> wins over the client's own first delay,
/// a <c>Retry-After</c> is honoured, and every delay is capped by <see cref="IterationClientOptions.MaxReconnectDelay"/>.
/// A delay the client should not have used is an hour long: the test would hang (and fail) instead of passing.
/// </summary>
public sealed class WatchRetryTests
{
    private static async Task<(KestrelTestHost Host, StreamFaults Faults, string Id, string Token)> StartAsync(TimeSpan serverRetry)
    {
        var faults = new StreamFaults();
        var host = await KestrelTestHost.StartAsync(o => o.RetryInterval = serverRetry, configureApp: faults.MapWithFaults);
        var (id, token) = await host.CreateGenerationLogAsync();
        for (var i = 0; i < 4; i++)
        {
            await host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        await host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = host.Now });
        return (host, faults, id, token);
    }

    [Fact]
    public async Task WatchAsync_AfterACut_WaitsTheServersRetryInsteadOfItsOwnInitialDelay()
    {
        var (host, faults, id, token) = await StartAsync(TimeSpan.FromMilliseconds(20));
        await using var _ = host;
        var frameBytes = (await host.LoggedEntriesAsync(id))[0].Frame.Length;
        faults.Plan = n => n == 1 ? new StreamFault.EndAfter(12 + frameBytes + 5) : null;
        var options = new IterationClientOptions { InitialReconnectDelay = TimeSpan.FromHours(1), MaxReconnectDelay = TimeSpan.FromHours(2) };

        var received = await host.CreateIterationClient(options).WatchAsync(id, token).CollectAsync();

        received.Should().HaveCount(5);
        faults.StreamRequests.Should().Be(2);
    }

    [Fact]
    public async Task WatchAsync_ServerRetryLongerThanTheCap_WaitsOnlyTheCap()
    {
        var (host, faults, id, token) = await StartAsync(TimeSpan.FromHours(1));
        await using var _ = host;
        var frameBytes = (await host.LoggedEntriesAsync(id))[0].Frame.Length;
        faults.Plan = n => n == 1 ? new StreamFault.EndAfter(20 + frameBytes + 5) : null;
        var options = new IterationClientOptions { InitialReconnectDelay = TimeSpan.FromHours(1), MaxReconnectDelay = TimeSpan.FromMilliseconds(20) };

        var received = await host.CreateIterationClient(options).WatchAsync(id, token).CollectAsync();

        received.Should().HaveCount(5);
    }

    [Fact]
    public async Task WatchAsync_ServiceUnavailableWithRetryAfter_WaitsThatLongThenResumes()
    {
        var (host, faults, id, token) = await StartAsync(TimeSpan.FromHours(1));
        await using var _ = host;
        faults.Plan = n => n == 1 ? new StreamFault.Status(503, TimeSpan.FromSeconds(1)) : null;
        var options = new IterationClientOptions { InitialReconnectDelay = TimeSpan.FromHours(1), MaxReconnectDelay = TimeSpan.FromHours(2) };

        var received = await host.CreateIterationClient(options).WatchAsync(id, token).CollectAsync();

        received.Should().HaveCount(5);
        faults.StreamRequests.Should().Be(2);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task WatchAsync_TransientStatusAFewTimes_RetriesAndYieldsEverything(int status)
    {
        var (host, faults, id, token) = await StartAsync(TimeSpan.FromMilliseconds(5));
        await using var _ = host;
        faults.Plan = n => n <= 3 ? new StreamFault.Status(status) : null;

        var received = await host.CreateIterationClient(TestClients.Patient()).WatchAsync(id, token).CollectAsync();

        received.Should().HaveCount(5);
        faults.StreamRequests.Should().Be(4);
    }
}
