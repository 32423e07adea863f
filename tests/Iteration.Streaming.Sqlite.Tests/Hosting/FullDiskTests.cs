using System.Diagnostics;
using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Iteration.Streaming.Sqlite.Tests.Hosting;

/// <summary>
/// The audit's full disk, on a real host over Kestrel with the SQLite store and the file-system sink: as root on a real
/// 3 MB tmpfs the test fills; otherwise on failing store and sink wrappers (the test says which in its output).
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task FullDisk_RealTmpfsAsRootElseFailingWrappers_RunEndsVisibly503AndUnhealthy_ThenHealthyAndResumedAfterARestart()
    {
        await using var disk = await FullDisk.CreateAsync(_folder.Path);
        output.WriteLine(disk.Description);
        var store = Path.Combine(disk.Root, "store.db");
        var files = Path.Combine(disk.Root, "files");
        var generator = new ControlledPhaseGenerator();

        string id, token;
        long lastStored;
        await using (var host = await StartAsync(disk, store, files, generator))
        {
            var client = host.CreateClient();
            var started = await host.StartGenerationAsync(client, entities: ["User"]);
            (id, token) = (started.GenerationId, started.SseToken);
            (await generator.NextPhaseAsync()).Yield("src/core.txt", "core").Complete();
            var phase2 = await generator.NextPhaseAsync();
            using var stream = await client.GetStreamAsync(id, token);
            lastStored = (await host.EventLog.GetLatestAsync(id))!.Sequence;

            disk.Fill();
            phase2.Yield("src/user.txt", "user");
            var events = await stream.ReadAllEventsAsync().WithPatience();
            using var pastTheEnd = await client.GetStreamAsync(id, token, lastEventId: lastStored + 1);
            using var snapshot = await client.GetAsync($"generations/{id}?token={token}");
            using var refused = await client.PostAsJsonAsync(
                "generations", new StartGenerationRequest { Prompt = "Build a task app", Entities = ["User"] }, IterationStreamingJson.StartGenerationRequest);
            using var unhealthy = await client.GetAsync("health");
            disk.Free();
            _clock.Advance(GenerationStorageHealth.ProbeInterval);
            using var healthy = await client.GetAsync("health");

            var end = events[^1];
            end.Sequence().Should().Be(lastStored + 1);
            end.ToProgressEvent().Status.Should().Be(GenerationStatus.Failed);
            end.ToProgressEvent().Stage.Should().Be("storage_unavailable");
            pastTheEnd.StatusCode.Should().Be(HttpStatusCode.NoContent, "the client has the end reported from memory");
            snapshot.StatusCode.Should().Be(HttpStatusCode.OK);
            var body = JsonDocument.Parse(await snapshot.Content.ReadAsStringAsync()).RootElement;
            body.GetProperty("status").GetString().Should().Be(GenerationStatus.Failed);
            body.GetProperty("last_event").GetProperty("stage").GetString().Should().Be("storage_unavailable");
            refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            refused.Headers.RetryAfter.Should().NotBeNull();
            unhealthy.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            healthy.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        await using var restarted = await StartAsync(disk, store, files, new InstantPhaseGenerator());
        using var replay = await restarted.CreateClient().GetStreamAsync(id, token);
        var repaired = (await replay.ReadAllEventsAsync().WithPatience()).Select(e => (Sequence: e.Sequence(), Event: e.ToProgressEvent())).ToList();

        repaired.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, repaired.Count).Select(i => (long)i), "no id is missing from the log");
        repaired.Single(e => e.Sequence == lastStored + 1).Event.Stage.Should().Be(GenerationStages.Resumed);
        repaired.Count(e => e.Event.Stage == "phase_1_complete").Should().Be(1, "the saved phase is kept, not generated again");
        repaired[^1].Event.Status.Should().Be(GenerationStatus.Completed);
    }

    private Task<KestrelTestHost> StartAsync(FullDisk disk, string store, string files, IPhaseGenerator generator) => KestrelTestHost.StartAsync(
        generator: generator,
        fileSinkRoot: files,
        configureServices: b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Services.AddHealthChecks().AddIterationStreamingChecks();
        },
        configureStreaming: s =>
        {
            s.AddSqliteStore(store);
            disk.Install(s.Services);
        },
        configureApp: app =>
        {
            app.MapIterationStream();
            app.MapHealthChecks("/health");
        });

    /// <summary>A disk the test fills and frees: a real tmpfs when the test runs as root, failing wrappers otherwise.</summary>
    private sealed class FullDisk : IAsyncDisposable
    {
        private const string Size = "3m";
        private readonly StorageFullSwitch? _switch;
        private readonly bool _mounted;

        private FullDisk(string root, bool mounted)
        {
            Root = root;
            _mounted = mounted;
            _switch = mounted ? null : new StorageFullSwitch();
        }

        public string Root { get; }

        public string Description => _mounted
            ? $"Running as root: on a real {Size} tmpfs mounted at {Root}, filled to ENOSPC."
            : "Not running as root: no tmpfs can be mounted, so the SQLite store and the file sink are wrapped to refuse writes instead of a real full disk.";

        private string Filler => Path.Combine(Root, "filler.bin");

        public static async Task<FullDisk> CreateAsync(string folder)
        {
            if (Environment.IsPrivilegedProcess && OperatingSystem.IsLinux())
            {
                var root = Path.Combine(folder, "tmpfs");
                Directory.CreateDirectory(root);
                await RunAsync("mount", "-t", "tmpfs", "-o", $"size={Size}", "tmpfs", root);
                return new FullDisk(root, mounted: true);
            }

            return new FullDisk(folder, mounted: false);
        }

        /// <summary>Wraps the store and sink (only without a real disk to fill).</summary>
        public void Install(IServiceCollection services) => _switch?.Install(services);

        public void Fill()
        {
            if (_switch is not null)
            {
                _switch.IsFull = true;
                return;
            }

            using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
            var chunk = new byte[64 * 1024];
            foreach (var size in new[] { chunk.Length, 4096, 512, 1 })
            {
                try
                {
                    while (true)
                    {
                        filler.Write(chunk, 0, size);
                    }
                }
                catch (IOException)
                {
                    // Full for writes of this size: go on with smaller ones until not a byte fits.
                }
            }
        }

        public void Free()
        {
            if (_switch is not null)
            {
                _switch.IsFull = false;
                return;
            }

            File.Delete(Filler);
        }

        public async ValueTask DisposeAsync()
        {
            if (_mounted)
            {
                await RunAsync("umount", Root);
            }
        }

        private static async Task RunAsync(string command, params string[] arguments)
        {
            var result = await ChildProcess.RunAsync(ChildProcess.StartInfo(command, Environment.CurrentDirectory, arguments), AsyncTestExtensions.Patience);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Output}");
            }
        }
    }
}
