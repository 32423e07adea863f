using System.Net;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sqlite.Tests.Hosting;

/// <summary>A real host on the SQLite store: what a browser streamed before a restart, it streams again after one.</summary>
public sealed class SqliteHostEndToEndTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Restart_StreamsTheSameEventsAndEndsWith204()
    {
        var path = _folder.File();
        string id, token;
        List<(string? Id, string Data)> before;
        await using (var host = await StartAsync(path))
        {
            var client = host.CreateClient();
            var started = await host.StartGenerationAsync(client, entities: ["User", "Order"]);
            (id, token) = (started.GenerationId, started.SseToken);
            using var stream = await client.GetStreamAsync(id, token);
            before = (await stream.ReadAllEventsAsync().WithPatience()).Select(e => (e.EventId, e.Data)).ToList();
        }

        await using var restarted = await StartAsync(path);
        var again = restarted.CreateClient();
        using var replay = await again.GetStreamAsync(id, token);
        var after = (await replay.ReadAllEventsAsync().WithPatience()).Select(e => (e.EventId, e.Data)).ToList();
        using var pastTheEnd = await again.GetStreamAsync(id, token, lastEventId: long.Parse(after[^1].EventId!, System.Globalization.CultureInfo.InvariantCulture));

        before.Should().NotBeEmpty();
        after.Should().Equal(before);
        pastTheEnd.StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    private static Task<KestrelTestHost> StartAsync(string path) =>
        KestrelTestHost.StartAsync(configureServices: b => b.Services.AddIterationStreaming().AddSqliteStore(path));
}
