using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Testing;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary><see cref="IterationClientOptions.MaxConsecutiveFailures"/>: when to give up, and what the caller learns.</summary>
public sealed class WatchGiveUpTests
{
    private static IterationClientOptions GiveUpAfter(int failures) => new()
    {
        InitialReconnectDelay = TimeSpan.FromMilliseconds(5),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxConsecutiveFailures = failures,
    };

    [Fact]
    public async Task WatchAsync_ServerStoppedMidWatch_GivesUpWithTheLastEventIdReceived()
    {
        var host = await KestrelTestHost.StartAsync(o => o.RetryInterval = TimeSpan.FromMilliseconds(5));
        var (id, token) = await host.CreateGenerationLogAsync();
        for (var i = 0; i < 3; i++)
        {
            await host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var received = 0;
        var act = async () =>
        {
            await foreach (var _ in new IterationClient(http, GiveUpAfter(3)).WatchAsync(id, token))
            {
                if (++received == 3)
                {
                    await host.DisposeAsync();
                }
            }
        };

        var thrown = (await act.Should().ThrowAsync<IterationStreamException>()).Which;
        thrown.LastEventId.Should().Be(3);
        thrown.Message.Should().Contain(id).And.Contain("gave up");
        received.Should().Be(3);
    }

    [Fact]
    public async Task WatchAsync_NothingListening_GivesUpAfterTheConfiguredRetries_KeepingTheGivenResumePoint()
    {
        var logger = new FakeLogger<IterationClient>();
        using var http = new HttpClient { BaseAddress = WatchCancellationTests.ClosedPort() };
        var client = new IterationClient(http, GiveUpAfter(3), logger: logger);

        var act = () => client.WatchAsync(TestEvents.NewId(), "token", lastEventId: 7).CollectAsync();

        var thrown = (await act.Should().ThrowAsync<IterationStreamException>()).Which;
        thrown.LastEventId.Should().Be(7);
        thrown.InnerException.Should().BeOfType<HttpRequestException>();
        logger.Collector.GetSnapshot().Count(r => r.Id.Id == 4001).Should().Be(3, "three reconnections are allowed after the first attempt");
        logger.Collector.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 4005);
    }

    [Fact]
    public async Task WatchAsync_NoFailuresAllowed_GivesUpAtTheFirstWithoutReconnecting()
    {
        var logger = new FakeLogger<IterationClient>();
        using var http = new HttpClient { BaseAddress = WatchCancellationTests.ClosedPort() };
        var client = new IterationClient(http, GiveUpAfter(0), logger: logger);

        var act = () => client.WatchAsync(TestEvents.NewId(), "token").CollectAsync();

        (await act.Should().ThrowAsync<IterationStreamException>()).Which.LastEventId.Should().Be(0);
        logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == 4001);
    }

    [Fact]
    public async Task WatchAsync_ServerErrorsEveryTime_GivesUpWithTheLastProblemAsTheCause()
    {
        var faults = new StreamFaults { Plan = _ => new StreamFault.Status(500) };
        await using var host = await KestrelTestHost.StartAsync(configureApp: faults.MapWithFaults);
        var (id, token) = await host.CreateGenerationLogAsync();

        var act = () => host.CreateIterationClient(GiveUpAfter(2)).WatchAsync(id, token).CollectAsync();

        var cause = (await act.Should().ThrowAsync<IterationStreamException>()).Which.InnerException;
        cause.Should().BeOfType<IterationApiException>().Which.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        faults.StreamRequests.Should().Be(3);
    }

    [Fact]
    public async Task WatchAsync_EveryConnectionCutButEachDeliversAnEvent_NeverGivesUp()
    {
        // Failures count only in a row: a connection that delivered an event resets the count.
        var faults = new StreamFaults();
        await using var host = await KestrelTestHost.StartAsync(o => o.RetryInterval = TimeSpan.FromMilliseconds(5), configureApp: faults.MapWithFaults);
        var (id, token) = await host.CreateGenerationLogAsync();
        for (var i = 0; i < 10; i++)
        {
            await host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        await host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = host.Now });
        var frameBytes = (await host.LoggedEntriesAsync(id))[0].Frame.Length;
        faults.Plan = _ => new StreamFault.EndAfter(10 + frameBytes + (frameBytes / 2));

        var received = await host.CreateIterationClient(GiveUpAfter(1)).WatchAsync(id, token).CollectAsync();

        received.Should().HaveCount(11);
        faults.Cuts.Should().BeGreaterThanOrEqualTo(10);
    }
}
