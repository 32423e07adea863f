using System.Collections.Concurrent;
using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Checkpoints;

/// <summary>
/// The default <see cref="IPhaseCheckpointStore"/>: checkpoints in this process's memory. They survive an automatic
/// retry and a retry, not a restart; a durable store (SQLite, Redis) keeps them across restarts and instances.
/// </summary>
public sealed class InMemoryPhaseCheckpointStore : IPhaseCheckpointStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask WriteAsync(PhaseCheckpointWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(write.GenerationId);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = _entries.GetOrAdd(write.GenerationId, static _ => new Entry());
        lock (entry)
        {
            entry.Apply(write);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<PhaseCheckpoint?> ReadAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_entries.TryGetValue(generationId, out var entry))
        {
            return ValueTask.FromResult<PhaseCheckpoint?>(null);
        }

        lock (entry)
        {
            return ValueTask.FromResult<PhaseCheckpoint?>(entry.Read());
        }
    }

    /// <inheritdoc />
    public ValueTask DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(generationId);
        _entries.TryRemove(generationId, out _);
        return ValueTask.CompletedTask;
    }

    /// <summary>One generation's checkpoint, changed under its own lock.</summary>
    private sealed class Entry
    {
        private readonly List<GeneratedFile> _files = [];
        private readonly StringBuilder _text = new();
        private int _phase;
        private int _attempt;
        private string? _currentFile;
        private ReadOnlyMemory<byte> _state;
        private long _sequence;
        private DateTimeOffset _writtenAt;
        private bool _overflowed;
        private bool _exists;

        public void Apply(PhaseCheckpointWrite write)
        {
            var fresh = write.Reset || !_exists || _phase != write.Phase || write.Overflowed;
            var startsText = fresh || !string.Equals(_currentFile, write.CurrentFile, StringComparison.Ordinal)
                || write.Files.Any(f => string.Equals(f.Path, _currentFile, StringComparison.Ordinal));
            var expected = startsText ? 0 : _text.Length;
            if (write.CurrentFile is not null && write.Offset != expected)
            {
                // Checked before anything changes: a refused write leaves the previous checkpoint whole.
                throw new PhaseCheckpointConflictException(
                    $"The checkpoint of generation '{write.GenerationId}' holds {expected} characters of its current file, but the write starts at {write.Offset}.");
            }

            if (fresh)
            {
                _files.Clear();
                _text.Clear();
                _state = ReadOnlyMemory<byte>.Empty;
                _currentFile = null;
                _overflowed = false;
            }

            _exists = true;
            _phase = write.Phase;
            _attempt = write.Attempt;
            _sequence = write.Sequence;
            _writtenAt = write.WrittenAt;
            if (write.Overflowed)
            {
                _overflowed = true;
                return;
            }

            foreach (var file in write.Files)
            {
                var at = _files.FindIndex(f => string.Equals(f.Path, file.Path, StringComparison.Ordinal));
                var copy = file with { Content = file.Content.ToArray(), PartialOutput = null };
                if (at >= 0)
                {
                    _files[at] = copy;
                }
                else
                {
                    _files.Add(copy);
                }
            }

            if (startsText)
            {
                _text.Clear();
            }

            _currentFile = write.CurrentFile;
            if (write.CurrentFile is null)
            {
                _text.Clear();
            }
            else
            {
                _text.Append(write.Text);
            }

            if (write.ResumeState is { } state)
            {
                _state = state.ToArray();
            }
        }

        public PhaseCheckpoint Read() => new()
        {
            Phase = _phase,
            Attempt = _attempt,
            Files = [.. _files],
            CurrentFile = _currentFile,
            CurrentText = _text.ToString(),
            ResumeState = _state,
            Sequence = _sequence,
            WrittenAt = _writtenAt,
            Overflowed = _overflowed,
        };
    }
}
