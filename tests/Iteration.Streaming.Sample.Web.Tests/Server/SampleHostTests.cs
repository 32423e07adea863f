using Iteration.Streaming.Engine;
using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Iteration.Streaming.Security;
using Iteration.Streaming.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary>The sample host without a browser: health, shutdown, the signing key file, configuration checks.</summary>
public sealed class SampleHostTests
{
    [Fact]
    public async Task Health_WhenTheDataFolderIsWritable_AnswersHealthy()
    {
        await using var server = await SampleServer.StartAsync();
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await client.GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }

    [Fact]
    public async Task Health_WhenTheDataFolderCannotBeCreated_AnswersUnhealthy()
    {
        var blocker = Path.GetTempFileName();
        try
        {
            // A file where the generations folder should be: nothing can be saved.
            await using var server = await SampleServer.StartAsync(settings: $"--IterationStreaming:FileSinkRoot={blocker}");
            using var client = new HttpClient { BaseAddress = server.BaseAddress };

            using var response = await client.GetAsync("/health");

            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            (await response.Content.ReadAsStringAsync()).Should().Be("Unhealthy");
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Fact]
    public async Task Shutdown_DuringARun_EndsOpenStreamsCleanlyAndPromptly()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(2);
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var started = await StartAsync(client);
        using var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken);
        var reading = stream.ReadAllEventsAsync();

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await server.StopAsync().WithPatience();

        stopping.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "a held run is cancelled, not waited for");
        var events = await reading.WithPatience();
        events.Should().NotBeEmpty().And.OnlyContain(e => e.ToProgressEvent().Status != "completed");
    }

    [Fact]
    public async Task SigningKey_WhenNotConfigured_IsKeptInTheDataFolderSoTokensSurviveARestart()
    {
        string token;
        string id;
        var dataFolder = Directory.CreateTempSubdirectory("iteration-sample-").FullName;
        try
        {
            await using (var first = await SampleServer.StartAsync(dataFolder: dataFolder))
            {
                id = await first.Services.GetRequiredService<IIterationEngine>().StartAsync(new GenerationRequest("A todo app"));
                token = first.Services.GetRequiredService<IStreamTokenService>().IssueToken(id);
                await first.StopAsync();
            }

            await using var second = await SampleServer.StartAsync(dataFolder: dataFolder);
            var status = await second.Services.GetRequiredService<IStreamTokenService>().ValidateAsync(id, token);

            status.Should().Be(StreamTokenStatus.Valid, "the key and the generation's record survive the restart");
            File.ReadAllText(Path.Combine(dataFolder, "signing-key")).Length.Should().BeGreaterThanOrEqualTo(32);
        }
        finally
        {
            Directory.Delete(dataFolder, recursive: true);
        }
    }

    [Fact]
    public async Task SigningKey_WhenConfigured_IsUsedAndNoKeyFileIsWritten()
    {
        await using var server = await SampleServer.StartAsync(settings: "--IterationStreaming:SigningKey=a-configured-signing-key-of-at-least-32-chars");

        File.Exists(Path.Combine(server.DataFolder, "signing-key")).Should().BeFalse();
    }

    [Theory]
    [InlineData("short")]
    [InlineData("")]
    public async Task SigningKeyFile_WithTooShortAKey_FailsAtStartNamingTheFile(string content)
    {
        var folder = Directory.CreateTempSubdirectory("iteration-sample-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "signing-key"), content);

            var start = () => SampleServer.StartAsync(dataFolder: folder);

            (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*signing-key*at least 32*");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("00:05:00")]
    public async Task DemoFileDelay_OutOfRange_FailsAtStart(string delay)
    {
        var start = () => SampleServer.StartAsync(settings: $"--Demo:FileDelay={delay}");

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*Demo:FileDelay*");
    }

    [Fact]
    public async Task HeartbeatInterval_FromTheCommandLine_ReachesTheOptions()
    {
        await using var server = await SampleServer.StartAsync(settings: "--IterationStreaming:HeartbeatInterval=00:00:01");

        server.Services.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>().CurrentValue.HeartbeatInterval
            .Should().Be(TimeSpan.FromSeconds(1));
    }

    private static async Task<GenerationStartedResponse> StartAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync(
            "/generations",
            new StartGenerationRequest { Prompt = "A task tracker", Entities = ["User"] },
            IterationStreamingJson.StartGenerationRequest);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
    }
}
