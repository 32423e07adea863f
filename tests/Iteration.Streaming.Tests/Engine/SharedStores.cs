using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>
/// A record store, event log and file sink that outlive one engine: two harnesses built on the same instance play a
/// host before and after a restart. The record store reports itself durable, as a database-backed store would.
/// </summary>
public sealed class SharedStores
{
    public SharedStores()
    {
        var options = new StaticOptionsMonitor<IterationStreamingOptions>(new IterationStreamingOptions());
        Records = new DurableRecordStore(new InMemoryGenerationRecordStore(Clock));
        Log = new InMemoryGenerationEventLog(options, Clock);
        Sink = new InMemoryFileSink(options, Clock);
    }

    public FakeTimeProvider Clock { get; } = new(TestEvents.Epoch);

    public IGenerationRecordStore Records { get; }

    public IGenerationEventLog Log { get; }

    public IFileSink Sink { get; }

    public IPhaseCheckpointStore Checkpoints { get; } = new InMemoryPhaseCheckpointStore();

    public void Register(IIterationStreamingBuilder builder)
    {
        builder.Services.RemoveAll<IGenerationRecordStore>();
        builder.Services.AddSingleton(Records);
        builder.Services.RemoveAll<IGenerationEventLog>();
        builder.Services.AddSingleton(Log);
        builder.Services.RemoveAll<IFileSink>();
        builder.Services.AddSingleton(Sink);
        builder.Services.RemoveAll<IPhaseCheckpointStore>();
        builder.Services.AddSingleton(Checkpoints);
    }

    private sealed class DurableRecordStore(IGenerationRecordStore inner) : IGenerationRecordStore
    {
        public bool IsDurable => true;

        public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default) => inner.AddAsync(record, cancellationToken);

        public ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default) => inner.GetAsync(generationId, cancellationToken);

        public ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default) =>
            inner.TryUpdateSteeringAsync(generationId, expectedRevision, update, cancellationToken);

        public ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default) =>
            inner.UpdateAsync(generationId, update, cancellationToken);

        public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) => inner.ListUnfinishedAsync(cancellationToken);

        public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) => inner.ListEndedAsync(cancellationToken);

        public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) => inner.DeleteAsync(generationId, cancellationToken);
    }
}
