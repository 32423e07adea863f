using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Xunit.Abstractions;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>
/// Two sample hosts in child processes sharing nothing but a real redis-server and a real blob account (Azurite), each
/// with its own local data folder, as a cloud deployment runs them. The owner of a run is killed (SIGKILL) or stopped
/// (SIGTERM) mid-run; the other host resumes the run, its watcher reconnects there, and every file is served from blob
/// storage by the host that did not write all of them.
/// </summary>
public sealed class ScaleOutProcessTests(RedisServerFixture redis, AzuriteFixture azurite, ITestOutputHelper output)
    : IClassFixture<RedisServerFixture>, IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private const string SigningKey = "scale-out-process-tests-shared-signing-key-0123456789";
    private readonly string _root = Directory.CreateTempSubdirectory("iteration-scale-out-").FullName;
    private readonly string _keyPrefix = "t" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _container = AzuriteFixture.NewContainerName();

    [Fact]
    public async Task OwnerKilledMidRun_TheOtherHostResumesIt_AndServesEveryFileFromBlobStorage()
    {
        var lease = TimeSpan.FromSeconds(2);
        await using var a = await StartHostAsync("a", lease);
        await using var b = await StartHostAsync("b", lease);

        var (watcher, events) = await StartAndWatchUntilPhaseAsync(a, phase: 2);
        await a.Process.KillAsync();
        var killedAt = Stopwatch.GetTimestamp();
        var takeover = await ReadToEndAsync(watcher, b, killedAt);
        var resumed = watcher.Received.First(e => e.Event.Stage == GenerationStages.Resumed);
        output.WriteLine($"takeover: the watcher saw 'resumed' on b {takeover.TotalMilliseconds:F0} ms after the kill (lease {lease.TotalSeconds:F0} s)");

        AssertCompletedOnce(watcher);
        resumed.Event.Message.Should().Contain("another instance");
        events.Should().BeGreaterThan(0);
        await AssertEveryFileServedAsync(b, watcher);
    }

    [Fact]
    public async Task OwnerStoppedGracefullyMidRun_TheOtherHostResumesItWellUnderTheLease_AndNothingFailsOrIsCancelled()
    {
        var lease = TimeSpan.FromSeconds(20);
        await using var a = await StartHostAsync("a", lease);
        await using var b = await StartHostAsync("b", lease);

        var (watcher, _) = await StartAndWatchUntilPhaseAsync(a, phase: 2);
        var stoppedAt = Stopwatch.GetTimestamp();
        await a.Process.TerminateAsync();
        output.WriteLine($"the owner stopped in {Stopwatch.GetElapsedTime(stoppedAt).TotalMilliseconds:F0} ms");
        var handOver = await ReadToEndAsync(watcher, b, stoppedAt);
        output.WriteLine($"hand-over: the watcher saw 'resumed' on b {handOver.TotalMilliseconds:F0} ms after SIGTERM (lease {lease.TotalSeconds:F0} s)");

        AssertCompletedOnce(watcher);
        handOver.Should().BeLessThan(lease / 2, "a graceful stop hands the run over at once instead of letting the lease lapse");
        watcher.Received.Should().NotContain(e => e.Event.Status == GenerationStatus.Failed || e.Event.Status == GenerationStatus.Cancelled);
        await AssertEveryFileServedAsync(b, watcher);
    }

    [Fact]
    public async Task RunWaitingAtItsPlanGate_OwnerKilled_InputOnTheOtherHost_CompletesThere_WithOneGateEventAndOneInputReceived()
    {
        var lease = TimeSpan.FromSeconds(2);
        await using var a = await StartHostAsync("a", lease);
        await using var b = await StartHostAsync("b", lease);
        var watcher = await StartAndWatchUntilGateAsync(a);
        await a.Process.KillAsync();

        var (status, accepted) = await SendInputAsync(b, watcher, """{"action":"approve"}""");
        await ReadToTheEndAsync(watcher, b);

        status.Should().Be(HttpStatusCode.Accepted, accepted);
        AssertCompletedWithOneGateAndOneInput(watcher);
        watcher.Received.Should().NotContain(e => e.Event.Stage == GenerationStages.Resumed, "a waiting run is parked, not taken over");
    }

    [Fact]
    public async Task TwoApprovalsRacingOnTwoHosts_ContinueTheRunExactlyOnce_OneIsQueuedTheOtherIs409()
    {
        var lease = TimeSpan.FromSeconds(2);
        await using var a = await StartHostAsync("a", lease);
        await using var b = await StartHostAsync("b", lease);
        var watcher = await StartAndWatchUntilGateAsync(a);

        var answers = await Task.WhenAll(
            SendInputAsync(a, watcher, """{"action":"approve"}"""),
            SendInputAsync(b, watcher, """{"action":"approve"}"""));
        await ReadToTheEndAsync(watcher, a);

        answers.Select(x => x.Status).Should().BeEquivalentTo([HttpStatusCode.Accepted, HttpStatusCode.Conflict], string.Join(" | ", answers.Select(x => x.Body)));
        AssertCompletedWithOneGateAndOneInput(watcher);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private static void AssertCompletedOnce(GenerationWatcher watcher)
    {
        var ids = watcher.Received.Select(e => e.Id).ToList();
        ids.Should().Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), "the watcher sees every id once, in order, across both hosts");
        watcher.Received[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        watcher.Received.Count(e => e.Event.Stage == GenerationStages.Resumed).Should().Be(1);
        var completes = watcher.Received.Where(e => e.Event.Stage.EndsWith("_complete", StringComparison.Ordinal)).Select(e => e.Event.Stage).ToList();
        completes.Should().OnlyHaveUniqueItems("no saved phase is generated again").And.HaveCount(5, "two entities: five phases");
        watcher.Received.Select(e => e.Event.Progress).Should().BeInAscendingOrder();
    }

    private static void AssertCompletedWithOneGateAndOneInput(GenerationWatcher watcher)
    {
        var ids = watcher.Received.Select(e => e.Id).ToList();
        ids.Should().Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), "the watcher sees every id once, in order, across both hosts");
        watcher.Received[^1].Event.Status.Should().Be(GenerationStatus.Completed);
        watcher.Received.Count(e => e.Event.Stage == GenerationStages.AwaitingInput).Should().Be(1, "one gate event for the one gate");
        watcher.Received.Count(e => e.Event.Stage == GenerationStages.InputReceived).Should().Be(1, "one input_received for the one accepted input");
        watcher.Received.Count(e => e.Event.Stage == "phase_1_started").Should().Be(1, "the run continued once");
        watcher.Received.Select(e => e.Event.Progress).Should().BeInAscendingOrder();
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendInputAsync(Host host, GenerationWatcher watcher, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/generations/{watcher.GenerationId}/input")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", watcher.ControlToken);
        using var response = await host.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task ReadToTheEndAsync(GenerationWatcher watcher, Host host)
    {
        using var patience = new CancellationTokenSource(AsyncTestExtensions.Patience * 2);
        while (!watcher.IsFinished)
        {
            patience.Token.ThrowIfCancellationRequested();
            await watcher.ReadAsync(host.Http, static () => { }, patience.Token);
        }
    }

    /// <summary>Starts a two-entity generation with a plan review on <paramref name="owner"/> and reads there until it waits at the gate.</summary>
    private static async Task<GenerationWatcher> StartAndWatchUntilGateAsync(Host owner)
    {
        var watcher = await GenerationWatcher.StartReviewedAsync(owner.Http, "Build a shop", plan: true, afterPhases: [], "User", "Order");
        using var reached = new CancellationTokenSource();
        await watcher.ReadAsync(owner.Http, () =>
        {
            if (watcher.Received[^1].Event.Stage == GenerationStages.AwaitingInput)
            {
                reached.Cancel();
            }
        }, reached.Token).WithPatience();
        watcher.Received.Should().Contain(e => e.Event.Stage == GenerationStages.AwaitingInput, "the run waits at its plan gate on its owner");
        return watcher;
    }

    private static async Task AssertEveryFileServedAsync(Host host, GenerationWatcher watcher)
    {
        var list = await host.Http.GetFromJsonAsync($"/generations/{watcher.GenerationId}/files?token={watcher.SseToken}", IterationStreamingJson.GenerationFileList);
        list!.Files.Should().HaveCount(23, "the demo writes 23 files for two entities");
        foreach (var file in list.Files)
        {
            using var response = await host.Http.GetAsync($"/generations/{watcher.GenerationId}/files/{file.Path}?token={watcher.SseToken}");
            response.StatusCode.Should().Be(HttpStatusCode.OK, $"{file.Path} is in blob storage");
            (await response.Content.ReadAsByteArrayAsync()).Length.Should().Be((int)file.Size);
        }

        using var archive = await host.Http.GetAsync($"/generations/{watcher.GenerationId}/archive?token={watcher.SseToken}");
        archive.StatusCode.Should().Be(HttpStatusCode.OK);
        host.DataFolderFiles().Should().BeEmpty("files live in blob storage, not in the host's folder");
    }

    /// <summary>Reads on <paramref name="host"/> to the terminal event; returns how long after <paramref name="since"/> the <c>resumed</c> event arrived.</summary>
    private static async Task<TimeSpan> ReadToEndAsync(GenerationWatcher watcher, Host host, long since)
    {
        using var patience = new CancellationTokenSource(AsyncTestExtensions.Patience * 2);
        TimeSpan? resumedAfter = null;
        while (!watcher.IsFinished)
        {
            patience.Token.ThrowIfCancellationRequested();
            await watcher.ReadAsync(
                host.Http,
                () => resumedAfter ??= watcher.Received[^1].Event.Stage == GenerationStages.Resumed ? Stopwatch.GetElapsedTime(since) : null,
                patience.Token);
        }

        return resumedAfter ?? throw new InvalidOperationException("The run ended without a resumed event.");
    }

    /// <summary>Starts a two-entity generation on <paramref name="owner"/> and reads its stream there until phase <paramref name="phase"/> started.</summary>
    private static async Task<(GenerationWatcher Watcher, int Events)> StartAndWatchUntilPhaseAsync(Host owner, int phase)
    {
        var watcher = await GenerationWatcher.StartAsync(owner.Http, "Build a shop", "User", "Order");
        using var reached = new CancellationTokenSource();
        var stage = $"phase_{phase}_started";
        var read = watcher.ReadAsync(owner.Http, () =>
        {
            if (watcher.Received[^1].Event.Stage == stage)
            {
                reached.Cancel();
            }
        }, reached.Token);
        await read.WithPatience();
        watcher.Received.Should().Contain(e => e.Event.Stage == stage, "the run reached the phase on its owner before the owner went away");
        return (watcher, watcher.Received.Count);
    }

    private async Task<Host> StartHostAsync(string name, TimeSpan lease)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        var port = SampleProcess.FreePort();
        var process = await SampleProcess.StartAsync(
            folder,
            port,
            $"--IterationStreaming:Redis={redis.Configuration}",
            $"--IterationStreaming:Redis:KeyPrefix={_keyPrefix}",
            $"--IterationStreaming:Redis:InstanceName={name}",
            $"--IterationStreaming:Redis:LeaseDuration={lease}",
            $"--IterationStreaming:Redis:LeaseRenewalInterval={lease / 4}",
            $"--IterationStreaming:BlobStorage={azurite.ConnectionString}",
            $"--IterationStreaming:BlobStorage:Container={_container}",
            $"--IterationStreaming:SigningKey={SigningKey}",
            "--IterationStreaming:RetryInterval=00:00:00.100",
            "--Demo:FileDelay=00:00:00.100");
        return new Host(process, folder, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = AsyncTestExtensions.Patience });
    }

    private sealed record Host(SampleProcess Process, string Folder, HttpClient Http) : IAsyncDisposable
    {
        public IEnumerable<string> DataFolderFiles() =>
            Directory.Exists(Path.Combine(Folder, "generations"))
                ? Directory.EnumerateFiles(Path.Combine(Folder, "generations"), "*", SearchOption.AllDirectories)
                : [];

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Process.DisposeAsync();
        }
    }
}
