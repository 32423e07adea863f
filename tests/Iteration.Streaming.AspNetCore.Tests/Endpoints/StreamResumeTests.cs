using System.Net;
using System.Net.ServerSentEvents;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// A client cut off mid-stream resumes with the id of the last event it handled: it must then see every event exactly
/// once, whatever the cut point and whatever happened while it was away.
/// </summary>
public sealed class StreamResumeTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private const int ProgressEvents = 12;

    private KestrelTestHost Host => fixture.Host;

    [Fact]
    public async Task Resume_AfterCutsAtTwoHundredRandomPoints_SeesEveryEventOnceInOrder()
    {
        var random = new Random(20251017);
        var client = Host.CreateClient();

        for (var trial = 0; trial < 200; trial++)
        {
            var received = await RunTrialAsync(client, random, useQuery: trial % 2 == 1);

            received.Should().Equal(Enumerable.Range(1, ProgressEvents + 1).Select(n => (long)n), $"trial {trial} must have no gap and no duplicate");
        }
    }

    [Fact]
    public async Task Resume_AfterTheTerminalEvent_Answers204SoEventSourceStops()
    {
        var client = Host.CreateClient();
        var (id, token) = await Host.CreateGenerationLogAsync();
        await Host.EventLog.AppendAsync(TestEvents.Progress(id, 0));
        await Host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = Host.Now });
        using var first = await client.GetStreamAsync(id, token);
        var last = (await first.ReadAllEventsAsync().WithPatience())[^1];

        using var reconnect = await client.GetStreamAsync(id, token, lastEventId: last.Sequence());

        reconnect.StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    /// <summary>
    /// Appends some events, reads up to a random cut point (appending live as the reader needs them), drops the
    /// connection, appends more while the client is away, reconnects from the last id handled and reads to the end.
    /// </summary>
    private async Task<List<long>> RunTrialAsync(HttpClient client, Random random, bool useQuery)
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        var appended = 0;
        async Task AppendNextAsync()
        {
            if (appended < ProgressEvents)
            {
                await Host.EventLog.AppendAsync(TestEvents.Progress(id, appended));
            }
            else
            {
                await Host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = Host.Now });
            }

            appended++;
        }

        for (var before = random.Next(0, ProgressEvents); appended < before;)
        {
            await AppendNextAsync();
        }

        var received = new List<long>();
        var cut = random.Next(1, ProgressEvents + 1);
        using (var first = await client.GetStreamAsync(id, token))
        {
            await ReadAsync(first, received, until: cut, AppendNextAsync, () => appended);
        }

        for (var whileAway = random.Next(0, ProgressEvents + 1 - appended); whileAway > 0; whileAway--)
        {
            await AppendNextAsync();
        }

        using var second = useQuery
            ? await client.GetAsync($"generations/{id}/stream?token={token}&lastEventId={received[^1]}", HttpCompletionOption.ResponseHeadersRead)
            : await client.GetStreamAsync(id, token, lastEventId: received[^1]);
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        await ReadAsync(second, received, until: ProgressEvents + 1, AppendNextAsync, () => appended);
        return received;
    }

    private static async Task ReadAsync(HttpResponseMessage response, List<long> received, int until, Func<Task> appendNext, Func<int> appended)
    {
        await using var events = response.ReadEventsAsync().GetAsyncEnumerator();
        while (received.Count < until)
        {
            if (appended() <= received.Count)
            {
                await appendNext();
            }

            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
            received.Add(events.Current.Sequence());
        }
    }
}
