using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpLogging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AspNetCore.Tests.Diagnostics;

/// <summary>
/// With the logging settings the package README recommends, no log record of the whole host (every category, from
/// Trace up, HTTP logging on) ever holds a stream token, genuine or forged.
/// </summary>
public sealed class TokenLoggingTests
{
    [Fact]
    public async Task AFullSessionWithTheRecommendedSettings_LogsNoToken()
    {
        await using var host = await KestrelTestHost.StartAsync(
            configureServices: b =>
            {
                b.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
                b.Services.AddHttpLogging(o => o.LoggingFields =
                    HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration);
            },
            configureApp: app =>
            {
                app.UseHttpLogging();
                app.MapIterationStream();
            });
        var client = host.CreateClient();
        var started = await host.StartGenerationAsync(client);
        var forged = started.SseToken[..^2] + (started.SseToken[^1] == 'A' ? "BB" : "AA");

        using (var stream = await client.GetAsync($"{started.StreamUrl.TrimStart('/')}?token={started.SseToken}", HttpCompletionOption.ResponseHeadersRead))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        foreach (var url in new[] { "", "/files", "/files/" + InstantPhaseGenerator.PathOf(1, 1), "/archive", "/live", "/stream" })
        {
            using var withHeader = new HttpRequestMessage(HttpMethod.Get, started.StatusUrl.TrimStart('/') + url);
            withHeader.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.SseToken);
            (await client.SendAsync(withHeader)).Dispose();
            (await client.GetAsync($"{started.StatusUrl.TrimStart('/')}{url}?token={forged}")).Dispose();
            (await client.GetAsync($"{started.StatusUrl.TrimStart('/')}{url}?token={started.ControlToken}")).Dispose();
        }

        using (var iterate = new HttpRequestMessage(HttpMethod.Post, "generations/iterate"))
        {
            iterate.Content = System.Net.Http.Json.JsonContent.Create(
                new Iteration.Streaming.Contracts.IterateGenerationRequest { ParentGenerationId = started.GenerationId, ModificationPrompt = "Add dates" },
                Iteration.Streaming.Events.IterationStreamingJson.IterateGenerationRequest);
            iterate.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.ControlToken);
            (await client.SendAsync(iterate)).Dispose();
        }

        using (var cancel = new HttpRequestMessage(HttpMethod.Delete, started.StatusUrl.TrimStart('/') + "?token=" + started.ControlToken))
        {
            (await client.SendAsync(cancel)).Dispose();
        }

        var records = host.Logs.GetSnapshot();
        records.Should().Contain(r => r.Category == "Microsoft.AspNetCore.HttpLogging.HttpLoggingMiddleware", "HTTP logging is on");
        records.Should().Contain(r => r.Category == "Iteration.Streaming.AspNetCore");
        foreach (var token in new[] { started.SseToken, forged, started.SseToken.Split('.')[1], started.ControlToken!, started.ControlToken!.Split('.')[1] })
        {
            records.Should().NotContain(r => r.Message.Contains(token, StringComparison.Ordinal));
            records.Should().NotContain(r => r.StructuredState != null && r.StructuredState.Any(kv => kv.Value != null && kv.Value.Contains(token, StringComparison.Ordinal)));
            records.Should().NotContain(r => r.Exception != null && r.Exception.ToString().Contains(token, StringComparison.Ordinal));
        }
    }
}
