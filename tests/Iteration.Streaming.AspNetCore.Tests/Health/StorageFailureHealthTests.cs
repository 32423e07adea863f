using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Engine;
using Iteration.Streaming.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Health;

/// <summary>
/// A store and sink that refuse writes, as a full disk does, behind a real host on the fake clock: starts answer 503 with
/// <c>Retry-After</c>, the health checks report Unhealthy from their probes and from the engine's failures, probe at most
/// once per interval, and report Healthy again once a probe writes.
/// </summary>
public sealed class StorageFailureHealthTests
{
    private readonly StorageFullSwitch _full = new();
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);

    private Task<KestrelTestHost> StartAsync() => KestrelTestHost.StartAsync(
        configureServices: b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Services.AddHealthChecks().AddIterationStreamingChecks();
        },
        configureStreaming: s => _full.Install(s.Services),
        configureApp: app =>
        {
            app.MapIterationStream();
            app.MapHealthChecks("/health");
        });

    [Fact]
    public async Task Start_WhenStorageRefusesTheGeneration_Answers503WithRetryAfterAndAGenericDetail()
    {
        await using var host = await StartAsync();
        _full.IsFull = true;

        using var response = await host.CreateClient().PostAsJsonAsync(
            "generations", new StartGenerationRequest { Prompt = "Build a task app", Entities = ["User"] }, IterationStreamingJson.StartGenerationRequest);
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(30));
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        body.Should().Contain("storage is unavailable or full").And.NotContain("Test storage");
    }

    [Fact]
    public async Task Health_WhileWritesAreRefused_IsUnhealthy_AndHealthyAgainOnceAProbeWrites()
    {
        await using var host = await StartAsync();
        var client = host.CreateClient();
        _full.IsFull = true;

        using var full = await client.GetAsync("health");
        _full.IsFull = false;
        using var withinTheInterval = await client.GetAsync("health");
        _clock.Advance(GenerationStorageHealth.ProbeInterval);
        using var afterTheInterval = await client.GetAsync("health");

        full.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        withinTheInterval.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "the probe writes at most once per interval");
        afterTheInterval.StatusCode.Should().Be(HttpStatusCode.OK);
        (await afterTheInterval.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }

    [Fact]
    public async Task Health_ProbedOftenerThanTheInterval_WritesOneProbe()
    {
        await using var host = await StartAsync();
        var checks = host.Services.GetRequiredService<HealthCheckService>();
        _full.IsFull = true;

        for (var i = 0; i < 5; i++)
        {
            await checks.CheckHealthAsync();
        }

        _full.Refused.Should().Be(1, "only the first check wrote its probe into the record store");
    }

    [Fact]
    public async Task Health_AfterTheEngineReportsARefusedStart_IsUnhealthyUntilAProbeWrites()
    {
        await using var host = await StartAsync();
        var checks = host.Services.GetRequiredService<HealthCheckService>();
        (await checks.CheckHealthAsync()).Status.Should().Be(HealthStatus.Healthy);
        _full.IsFull = true;
        var engine = host.Services.GetRequiredService<IIterationEngine>();
        await FluentActions.Awaiting(async () => await engine.StartAsync(new GenerationRequest("Build a task app", ["User"])))
            .Should().ThrowAsync<GenerationStorageUnavailableException>();
        _full.IsFull = false;

        var reported = await checks.CheckHealthAsync();
        _clock.Advance(GenerationStorageHealth.ProbeInterval);
        var probed = await checks.CheckHealthAsync();

        var records = reported.Entries[IterationStreamingHealthChecksBuilderExtensions.RecordStoreCheckName];
        records.Status.Should().Be(HealthStatus.Unhealthy);
        records.Description.Should().StartWith("The generation record store refused writes (1 so far");
        records.Data["write_failures"].Should().Be(1L);
        probed.Status.Should().Be(HealthStatus.Healthy);
    }
}
