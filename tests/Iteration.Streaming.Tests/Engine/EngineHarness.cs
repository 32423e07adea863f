using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Engine;

public enum SinkKind
{
    InMemory,
    FileSystem,
}

/// <summary>
/// A container with the real engine, event log and sink, a fake clock and a <see cref="ScriptedGenerator"/>.
/// The file-system sink writes to a temporary folder deleted on dispose.
/// </summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private EngineHarness(SinkKind sink, Action<IterationStreamingOptions>? configure, Action<IIterationStreamingBuilder>? build)
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(Clock);
        var builder = services.AddIterationStreaming(o =>
        {
            configure?.Invoke(o);
        });
        builder.AddPhaseGenerator(_ => Generator);
        if (sink == SinkKind.FileSystem)
        {
            Root = Path.Combine(Path.GetTempPath(), "iteration-streaming-tests", Guid.NewGuid().ToString("N"));
            builder.AddFileSystemSink(Root);
        }
        else
        {
            builder.AddInMemoryFileSink();
        }

        build?.Invoke(builder);
        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeTimeProvider Clock { get; } = new(TestEvents.Epoch);

    public ScriptedGenerator Generator { get; } = new();

    public ServiceProvider Provider { get; }

    public string? Root { get; }

    public IIterationEngine Engine => Provider.GetRequiredService<IIterationEngine>();

    internal IterationEngine Internal => (IterationEngine)Engine;

    public IFileSink Sink => Provider.GetRequiredService<IFileSink>();

    public IGenerationEventLog Log => Provider.GetRequiredService<IGenerationEventLog>();

    public static EngineHarness Create(SinkKind sink = SinkKind.InMemory, Action<IterationStreamingOptions>? configure = null, Action<IIterationStreamingBuilder>? build = null) =>
        new(sink, configure, build);

    /// <summary>Reads a generation's events from the start to its terminal event.</summary>
    public async Task<List<StreamingProgressEvent>> ReadToEndAsync(string generationId)
    {
        await using var subscription = await Engine.WatchAsync(generationId);
        var events = await subscription.ReadEventsAsync().ToListAsync().AsTask().WithPatience();

        // The record (usage, stage) and the budget's settlement follow the terminal event: wait until the run has left.
        await Internal.WhenReleasedAsync(generationId).WithPatience();
        return events;
    }

    /// <summary>Waits until a generation's log holds an event with <paramref name="stage"/>.</summary>
    public async Task<StreamingProgressEvent> WaitForStageAsync(string generationId, string stage)
    {
        await using var subscription = await Engine.WatchAsync(generationId);
        var found = await subscription.ReadEventsAsync().FirstOrDefaultAsync(e => e.Stage == stage).AsTask().WithPatience();
        return found ?? throw new InvalidOperationException($"Generation {generationId} ended without stage {stage}.");
    }

    public async Task<string> CompleteGenerationAsync(params string[] entities)
    {
        var id = await Engine.StartAsync(new GenerationRequest("Build a todo app", entities));
        var events = await ReadToEndAsync(id);
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        return id;
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        if (Root is not null && Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
