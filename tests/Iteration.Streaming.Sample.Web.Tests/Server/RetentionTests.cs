using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary>
/// The sample with <c>RetainCompletedFor=00:00:03</c> on the real clock and the hosted retention timer: seconds after a
/// generation ends, its record and log (SQLite), its files and its folder are gone, and every route says so.
/// </summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task RetainCompletedFor_ThreeSeconds_DeletesTheGenerationItsFilesAndItsFolder()
    {
        await using var server = await SampleServer.StartAsync(settings: "--IterationStreaming:RetainCompletedFor=00:00:03");
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        using var start = await client.PostAsJsonAsync("/generations", new { prompt = "Build a todo app", entities = new[] { "User" } });
        start.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var started = (await start.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        var id = started.GenerationId;
        var deleted = server.Logs.WaitForAsync(r => r.Contains("Retention deleted generation", StringComparison.Ordinal) && r.Contains(id, StringComparison.Ordinal));
        await server.WaitForTerminalEventAsync(id);

        var folder = Path.Combine(server.DataFolder, "generations", id);
        using (var files = await client.GetAsync($"/generations/{id}/files?token={started.SseToken}"))
        {
            files.StatusCode.Should().Be(HttpStatusCode.OK, "the generation is kept for 3 seconds after it ended");
        }

        Directory.Exists(folder).Should().BeTrue();

        await deleted.WithPatience();

        Directory.Exists(folder).Should().BeFalse("the folder goes with the generation");
        var engine = server.Services.GetRequiredService<IIterationEngine>();
        (await engine.GetRecordAsync(id)).Should().BeNull("the SQLite record is deleted");
        await FluentActions.Awaiting(() => engine.WatchAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>("the SQLite event log is deleted");
        foreach (var route in new[] { "", "/stream", "/files", "/files/README.md", "/archive" })
        {
            using var response = await client.GetAsync($"/generations/{id}{route}?token={started.SseToken}");
            response.StatusCode.Should().BeOneOf([HttpStatusCode.Unauthorized, HttpStatusCode.NotFound], $"GET {route} of a deleted generation serves nothing");
        }
    }
}
