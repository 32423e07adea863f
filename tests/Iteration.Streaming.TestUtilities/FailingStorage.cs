using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// A switch that makes the <see cref="FailingEventLog"/>, <see cref="FailingRecordStore"/> and <see cref="FailingFileSink"/>
/// built on it refuse every write, as a full disk does (reads still work), until it is turned off again.
/// </summary>
public sealed class StorageFullSwitch
{
    private volatile bool _full;

    /// <summary>Whether writes are refused now.</summary>
    public bool IsFull
    {
        get => _full;
        set => _full = value;
    }

    /// <summary>How many writes were refused.</summary>
    public int Refused => _refused;

    private int _refused;

    /// <summary>
    /// Wraps the event log, record store and file sink registered in <paramref name="services"/> so that they fail
    /// writes while the switch is on. Call it after they are registered (the record store stays as durable as it was).
    /// </summary>
    public void Install(IServiceCollection services)
    {
        Decorate<IGenerationEventLog>(services, log => new FailingEventLog(log, this));
        Decorate<IGenerationRecordStore>(services, store => new FailingRecordStore(store, this, store.IsDurable));
        Decorate<IFileSink>(services, sink => new FailingFileSink(sink, this));
    }

    /// <summary>Throws what a storage package throws for a full disk, when the switch is on.</summary>
    public void ThrowIfFull(string what)
    {
        if (_full)
        {
            Interlocked.Increment(ref _refused);
            throw new GenerationStorageUnavailableException($"Test storage is full: {what} was refused.");
        }
    }

    private static void Decorate<T>(IServiceCollection services, Func<T, T> wrap)
        where T : class
    {
        var registered = services.Last(d => d.ServiceType == typeof(T));
        services.Remove(registered);
        services.AddSingleton(sp => wrap((T)(registered.ImplementationInstance
            ?? registered.ImplementationFactory?.Invoke(sp)
            ?? ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!))));
    }
}

/// <summary>An event log whose creates and appends fail while <see cref="StorageFullSwitch.IsFull"/>.</summary>
public sealed class FailingEventLog(IGenerationEventLog inner, StorageFullSwitch full) : IGenerationEventLog
{
    public ValueTask CreateAsync(string generationId, CancellationToken cancellationToken = default)
    {
        full.ThrowIfFull("a log");
        return inner.CreateAsync(generationId, cancellationToken);
    }

    public ValueTask<bool> ExistsAsync(string generationId, CancellationToken cancellationToken = default) => inner.ExistsAsync(generationId, cancellationToken);

    public ValueTask<EventLogEntry> AppendAsync(StreamingProgressEvent progressEvent, CancellationToken cancellationToken = default)
    {
        full.ThrowIfFull("an event");
        return inner.AppendAsync(progressEvent, cancellationToken);
    }

    public ValueTask<EventLogSubscription> SubscribeAsync(string generationId, long afterSequence = 0, CancellationToken cancellationToken = default) =>
        inner.SubscribeAsync(generationId, afterSequence, cancellationToken);

    public ValueTask<EventLogEntry?> GetLatestAsync(string generationId, CancellationToken cancellationToken = default) => inner.GetLatestAsync(generationId, cancellationToken);

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) => inner.DeleteAsync(generationId, cancellationToken);
}

/// <summary>A record store whose writes (and write probes) fail while <see cref="StorageFullSwitch.IsFull"/>; durable when told so.</summary>
public sealed class FailingRecordStore(IGenerationRecordStore inner, StorageFullSwitch full, bool durable = true) : IGenerationRecordStore
{
    public bool IsDurable => durable;

    public ValueTask AddAsync(GenerationRecord record, CancellationToken cancellationToken = default)
    {
        full.ThrowIfFull("a record");
        return inner.AddAsync(record, cancellationToken);
    }

    public ValueTask<GenerationRecord?> GetAsync(string generationId, CancellationToken cancellationToken = default) => inner.GetAsync(generationId, cancellationToken);

    public ValueTask<GenerationRecord?> UpdateAsync(string generationId, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        full.ThrowIfFull("a record change");
        return inner.UpdateAsync(generationId, update, cancellationToken);
    }

    public ValueTask<GenerationRecord?> TryUpdateSteeringAsync(string generationId, long expectedRevision, GenerationRecordUpdate update, CancellationToken cancellationToken = default)
    {
        full.ThrowIfFull("a record change");
        return inner.TryUpdateSteeringAsync(generationId, expectedRevision, update, cancellationToken);
    }

    public ValueTask<IReadOnlyList<GenerationRecord>> ListUnfinishedAsync(CancellationToken cancellationToken = default) => inner.ListUnfinishedAsync(cancellationToken);

    public ValueTask<IReadOnlyList<GenerationRecord>> ListEndedAsync(CancellationToken cancellationToken = default) => inner.ListEndedAsync(cancellationToken);

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        full.ThrowIfFull("a record deletion");
        return inner.DeleteAsync(generationId, cancellationToken);
    }

    public ValueTask ProbeWriteAsync(CancellationToken cancellationToken = default)
    {
        full.ThrowIfFull("the health probe");
        return inner.ProbeWriteAsync(cancellationToken);
    }
}

/// <summary>A file sink whose writes fail with the I/O error of a full disk (ENOSPC) while <see cref="StorageFullSwitch.IsFull"/>.</summary>
public sealed class FailingFileSink(IFileSink inner, StorageFullSwitch full) : IFileSink
{
    public ValueTask CreateAsync(string generationId, string? parentGenerationId, CancellationToken cancellationToken = default)
    {
        ThrowIfFull();
        return inner.CreateAsync(generationId, parentGenerationId, cancellationToken);
    }

    public ValueTask CreateFromAsync(string generationId, string sourceGenerationId, CancellationToken cancellationToken = default)
    {
        ThrowIfFull();
        return inner.CreateFromAsync(generationId, sourceGenerationId, cancellationToken);
    }

    public ValueTask<bool> DeleteAsync(string generationId, CancellationToken cancellationToken = default) => inner.DeleteAsync(generationId, cancellationToken);

    public ValueTask<FileManifest> SavePhaseAsync(string generationId, int phase, IReadOnlyList<GeneratedFile> files, CancellationToken cancellationToken = default)
    {
        ThrowIfFull();
        return inner.SavePhaseAsync(generationId, phase, files, cancellationToken);
    }

    public ValueTask CompleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ThrowIfFull();
        return inner.CompleteAsync(generationId, cancellationToken);
    }

    public ValueTask<FileManifest?> GetManifestAsync(string generationId, CancellationToken cancellationToken = default) => inner.GetManifestAsync(generationId, cancellationToken);

    public ValueTask<Stream?> OpenReadAsync(string generationId, string path, CancellationToken cancellationToken = default) => inner.OpenReadAsync(generationId, path, cancellationToken);

    public ValueTask WriteArchiveAsync(string generationId, Stream destination, CancellationToken cancellationToken = default) =>
        inner.WriteArchiveAsync(generationId, destination, cancellationToken);

    private void ThrowIfFull()
    {
        if (full.IsFull)
        {
            // What the file system sink lets through on Linux: an IOException whose HResult is ENOSPC.
            throw new IOException("No space left on device", 28);
        }
    }
}
