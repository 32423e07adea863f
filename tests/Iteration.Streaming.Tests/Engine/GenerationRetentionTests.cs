using System.Collections.Concurrent;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Retention;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>
/// Retention deletes whole generations (record, event log, files and folder) <c>RetainCompletedFor</c> after they ended
/// and the earliest ended ones beyond <c>MaxRetainedGenerations</c>; running generations are never touched.
/// </summary>
public sealed class GenerationRetentionTests
{
    private static readonly TimeSpan Retain = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task SweepAsync_AfterRetainCompletedFor_DeletesRecordLogFilesAndFolder()
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem, o => o.RetainCompletedFor = Retain);
        var id = await harness.CompleteGenerationAsync("User");
        var folder = Path.Join(harness.Root, id);
        Directory.Exists(folder).Should().BeTrue();

        harness.Clock.Advance(Retain);
        var deleted = await Retention(harness).SweepAsync(CancellationToken.None);

        deleted.Should().Be(1);
        (await harness.Engine.GetRecordAsync(id)).Should().BeNull();
        await FluentActions.Awaiting(() => harness.Engine.GetSnapshotAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        await FluentActions.Awaiting(() => harness.Engine.WatchAsync(id).AsTask()).Should().ThrowAsync<GenerationNotFoundException>();
        (await harness.Sink.GetManifestAsync(id)).Should().BeNull();
        (await harness.Sink.OpenReadAsync(id, "src/user/file0.txt")).Should().BeNull();
        Directory.Exists(folder).Should().BeFalse("the generation's folder goes with it");
        Directory.EnumerateFiles(harness.Root!, "*", SearchOption.AllDirectories).Should().BeEmpty("no content, journal or temp file is left behind");
    }

    [Fact]
    public async Task SweepAsync_JustBeforeRetainCompletedFor_KeepsTheGeneration()
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem, o => o.RetainCompletedFor = Retain);
        var id = await harness.CompleteGenerationAsync("User");

        harness.Clock.Advance(Retain - TimeSpan.FromMilliseconds(1));
        var deleted = await Retention(harness).SweepAsync(CancellationToken.None);

        deleted.Should().Be(0);
        (await harness.Engine.GetSnapshotAsync(id)).Status.Should().Be(GenerationStatus.Completed);
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().NotBeEmpty();
    }

    [Fact]
    public async Task SweepAsync_BeyondMaxRetainedGenerations_DeletesTheEarliestEndedFirst()
    {
        await using var harness = EngineHarness.Create(configure: o =>
        {
            o.RetainCompletedFor = Retain;
            o.MaxRetainedGenerations = 2;
        });
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await harness.CompleteGenerationAsync());
            harness.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var deleted = await Retention(harness).SweepAsync(CancellationToken.None);

        deleted.Should().Be(2);
        (await harness.Engine.GetRecordAsync(ids[0])).Should().BeNull();
        (await harness.Engine.GetRecordAsync(ids[1])).Should().BeNull();
        (await harness.Engine.GetRecordAsync(ids[2])).Should().NotBeNull();
        (await harness.Engine.GetRecordAsync(ids[3])).Should().NotBeNull();
    }

    [Fact]
    public async Task SweepAsync_RunningGeneration_IsNeverDeleted()
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem, o =>
        {
            o.RetainCompletedFor = TimeSpan.FromSeconds(1);
            o.MaxRetainedGenerations = 1;
            o.IdleTimeout = TimeSpan.FromDays(1);
        });
        var gate = harness.Generator.StopAt(phase: 2, fileIndex: 0);
        var id = await harness.Engine.StartAsync(new GenerationRequest("x", ["User"]));
        await gate.Reached.WithPatience();

        harness.Clock.Advance(TimeSpan.FromHours(2));
        var deleted = await Retention(harness).SweepAsync(CancellationToken.None);
        gate.Release();
        var events = await harness.ReadToEndAsync(id);

        deleted.Should().Be(0);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        (await harness.Sink.GetManifestAsync(id))!.Files.Should().HaveCount(16);
    }

    [Fact]
    public async Task SweepAsync_ParentOfAnIteration_DeletesTheParentAndKeepsEveryFileOfTheChild()
    {
        await using var harness = EngineHarness.Create(SinkKind.FileSystem, o => o.RetainCompletedFor = Retain);
        var parent = await harness.CompleteGenerationAsync("User");
        harness.Clock.Advance(Retain / 2);
        var child = await harness.Engine.IterateAsync(new IterationRequest(parent, "Add a dark mode"));
        await harness.ReadToEndAsync(child);
        var childFiles = (await harness.Sink.GetManifestAsync(child))!.Files;

        harness.Clock.Advance(Retain / 2);
        var deleted = await Retention(harness).SweepAsync(CancellationToken.None);

        deleted.Should().Be(1);
        (await harness.Engine.GetRecordAsync(parent)).Should().BeNull();
        childFiles.Should().Contain(f => f.Path == "src/user/file0.txt", "the child carries the parent's unchanged files");
        foreach (var file in childFiles)
        {
            await using var stream = await harness.Sink.OpenReadAsync(child, file.Path);
            stream.Should().NotBeNull($"{file.Path} is shared content the child still names");
            using var reader = new StreamReader(stream!);
            (await reader.ReadToEndAsync()).Should().NotBeEmpty();
        }
    }

    [Fact]
    public async Task HostedLifetime_RetainCompletedForPasses_TheTimerDeletesTheGeneration()
    {
        var logs = new DeletionLogs();
        await using var harness = EngineHarness.Create(
            SinkKind.FileSystem,
            o => o.RetainCompletedFor = TimeSpan.FromSeconds(3),
            b => b.Services.AddLogging(l => l.AddProvider(logs)));
        var hosted = harness.Provider.GetServices<IHostedService>().ToArray();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        var id = await harness.CompleteGenerationAsync("User");
        var deletedLogged = logs.WaitForDeletionAsync(id);

        Retention(harness).Interval.Should().Be(TimeSpan.FromSeconds(1.5));
        harness.Clock.Advance(TimeSpan.FromSeconds(1.5));
        deletedLogged.IsCompleted.Should().BeFalse("1.5 s after the end is within the 3 s retention");
        harness.Clock.Advance(TimeSpan.FromSeconds(1.5));
        await deletedLogged.WithPatience();

        (await harness.Engine.GetRecordAsync(id)).Should().BeNull();
        Directory.Exists(Path.Join(harness.Root, id)).Should().BeFalse();
        foreach (var service in hosted.Reverse())
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private static GenerationRetention Retention(EngineHarness harness) => harness.Provider.GetRequiredService<GenerationRetention>();

    /// <summary>Completes a task when retention logs that it deleted a generation (event 1118).</summary>
    private sealed class DeletionLogs : ILoggerProvider
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _deleted = new();

        public Task WaitForDeletionAsync(string generationId) => Completion(generationId).Task;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private TaskCompletionSource Completion(string generationId) =>
            _deleted.GetOrAdd(generationId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        private sealed class Logger(DeletionLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (eventId.Id == 1118 && state is IEnumerable<KeyValuePair<string, object?>> values
                    && values.FirstOrDefault(v => v.Key == "GenerationId").Value is string id)
                {
                    owner.Completion(id).TrySetResult();
                }
            }
        }
    }
}
