using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Iteration.Streaming.AspNetCore.Tests.Hosting;

public sealed class ShutdownTests
{
    [Fact]
    public async Task StoppingTheHost_EndsOpenStreamsAtOnceInsteadOfHoldingShutdown()
    {
        await using var host = await KestrelTestHost.StartAsync(
            configureServices: b => b.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(10)));
        var (id, token) = await host.CreateGenerationLogAsync();
        await host.EventLog.AppendAsync(TestEvents.Progress(id, 0));
        using var response = await host.CreateClient().GetStreamAsync(id, token);
        await using var events = response.ReadEventsAsync().GetAsyncEnumerator();
        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();

        await host.StopAsync().WithPatience();

        (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeFalse("the stream ends cleanly, so EventSource reconnects elsewhere");
    }

    [Fact]
    public async Task StoppingTheHost_EndsStreamsWithARetrySpreadOverAFewSeconds()
    {
        await using var host = await KestrelTestHost.StartAsync(o => o.RetryInterval = TimeSpan.FromSeconds(1));
        var (id, token) = await host.CreateGenerationLogAsync();
        using var response = await host.CreateClient().GetStreamAsync(id, token);
        var body = await response.Content.ReadAsStreamAsync();
        await body.ReadRawUntilAsync(t => t.StartsWith("retry: 1000\n\n", StringComparison.Ordinal)).WithPatience();

        await host.StopAsync().WithPatience();
        var rest = await new StreamReader(body).ReadToEndAsync().WithPatience();

        var retry = long.Parse(rest.Split('\n').Single(l => l.StartsWith("retry: ", StringComparison.Ordinal))["retry: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        retry.Should().BeInRange(1_000, 6_000, "RetryInterval plus up to 5 seconds, so watchers do not all reconnect at once");
    }

    [Fact]
    public async Task StartWhileTheHostIsStopping_Answers503WithRetryAfter()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await KestrelTestHost.StartAsync(configureServices: b => b.Services.AddHostedService(_ => new HoldsShutdown(release.Task)));
        var client = host.CreateClient();
        await host.StartGenerationAsync(client);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        lifetime.StopApplication();
        using var refused = await client.PostAsJsonAsync("generations", new Contracts.StartGenerationRequest { Prompt = "Build a task app" }, Iteration.Streaming.Events.IterationStreamingJson.StartGenerationRequest);
        release.SetResult();

        refused.StatusCode.Should().Be(System.Net.HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter.Should().NotBeNull();
        (await refused.Content.ReadAsStringAsync()).Should().Contain("shutting down");
    }

    /// <summary>Holds the host's shutdown (after ApplicationStopping) until released, so requests still arrive meanwhile.</summary>
    private sealed class HoldsShutdown(Task release) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => release.WaitAsync(cancellationToken);
    }
}
