using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sample.Web;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Sample;

/// <summary>The sample host's README recipe: two instances, one Redis, one data folder.</summary>
[Collection(RedisCollection.Name)]
public sealed class SampleScaleOutTests(RedisServerFixture server) : IAsyncLifetime
{
    private readonly string _dataFolder = Directory.CreateTempSubdirectory("iteration-sample-scaleout-").FullName;
    private readonly string _prefix = RedisLogHarness.NewPrefix();
    private readonly List<WebApplication> _apps = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Directory.Delete(_dataFolder, recursive: true);
    }

    [Fact]
    public async Task TwoInstances_OnOneRedisAndOneFolder_ServeEachOthersGenerations()
    {
        using var first = await StartAsync();
        using var second = await StartAsync();

        using var page = await second.GetAsync("/");
        using var startResponse = await first.PostAsJsonAsync("generations", new { prompt = "A task tracker", entities = new[] { "Task" } });
        var started = (await startResponse.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        using var stream = await second.GetStreamAsync(started.GenerationId, started.SseToken, tokenInQuery: true);
        var events = await stream.ReadAllEventsAsync().WithPatience();
        using var files = await second.SendAsync(HttpMethod.Get, started.StatusUrl + "/files", started.SseToken);
        using var health = await second.GetAsync("/health");

        page.StatusCode.Should().Be(HttpStatusCode.OK);
        events.ShouldBeContiguousFromOne();
        events[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
        (await files.Content.ReadAsStringAsync()).Should().Contain("\"path\"");
        (await health.Content.ReadAsStringAsync()).Should().Be("Healthy");
        _apps.Should().AllSatisfy(app => app.Services.GetRequiredService<Iteration.Streaming.EventLog.IGenerationEventLog>().Should().BeOfType<RedisGenerationEventLog>());
    }

    private async Task<HttpClient> StartAsync()
    {
        var app = SampleHost.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--IterationStreaming:Redis={server.Configuration}",
            $"--IterationStreaming:Redis:KeyPrefix={_prefix}",
            $"--IterationStreaming:FileSinkRoot={Path.Combine(_dataFolder, "generations")}",
            $"--Sample:SigningKeyFile={Path.Combine(_dataFolder, "signing-key")}",
            "--Demo:FileDelay=00:00:00",
            "--Logging:LogLevel:Default=Warning",
        ]);
        _apps.Add(app);
        await app.StartAsync();
        return new HttpClient { BaseAddress = new Uri(app.Urls.Single().TrimEnd('/') + "/") };
    }
}
