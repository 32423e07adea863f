using System.Net;
using CsCheck;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>
/// The test reader against a stream known to resume exactly (a generation's own, <c>GET {id}/stream</c>): cut anywhere,
/// it resumes after the last event it received, so a multiplexed stream's failure under it is the server's.
/// </summary>
public sealed class MultiplexStreamReaderTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private async Task<(string Id, string Token, List<string> Data)> EndedGenerationAsync(int events)
    {
        var (id, token) = await fixture.Host.CreateGenerationLogAsync();
        for (var i = 0; i < events; i++)
        {
            await fixture.Host.EventLog.AppendAsync(TestEvents.Progress(id, i));
        }

        await fixture.Host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = fixture.Host.Now });
        using var own = await fixture.Client.GetStreamAsync(id, token);
        return (id, token, [.. (await own.ReadAllEventsAsync()).Select(e => e.Data)]);
    }

    [Fact]
    public async Task ReadAcrossCuts_OfAGenerationsOwnStream_ReceivesEachEventOnceAndEndsWith204()
    {
        var (id, token, expected) = await EndedGenerationAsync(40);

        await MultiplexCutGen.Cut.Array[5, 30].SampleAsync(async cuts =>
        {
            var reader = new MultiplexStreamReader(fixture.Client, $"generations/{id}/stream?token={token}");

            var status = await reader.ReadAcrossCutsAsync(cuts).WithPatience();

            status.Should().Be(HttpStatusCode.NoContent);
            reader.DataOf(id).Should().Equal(expected);
            reader.LastEventId.Should().Be(expected.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            reader.RetryMilliseconds.Should().Be(2000);
        }, iter: 20, threads: 1);
    }

    [Fact]
    public async Task ReadAcrossCuts_WithTheCursorInTheQuery_ResumesAsWithTheHeader()
    {
        var (id, token, expected) = await EndedGenerationAsync(10);
        var reader = new MultiplexStreamReader(fixture.Client, $"generations/{id}/stream?token={token}") { LastEventIdInQuery = true };

        var status = await reader.ReadAcrossCutsAsync([MultiplexCut.AfterEvents(3), MultiplexCut.AfterBytes(500), MultiplexCut.AfterEvents(2)]).WithPatience();

        status.Should().Be(HttpStatusCode.NoContent);
        reader.DataOf(id).Should().Equal(expected);
        reader.Cuts.Should().Be(3);
    }
}
