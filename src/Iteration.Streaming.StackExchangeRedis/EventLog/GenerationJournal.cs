using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.StackExchangeRedis.EventLog;

/// <summary>
/// What one instance knows of a generation it writes, until its terminal event is in Redis: the last sequence it
/// appended, the newest entry Redis has from it (to restore the generation if Redis loses it), and the events waiting
/// for Redis during an outage, in order. Guarded by <see cref="Gate"/>.
/// </summary>
internal sealed class GenerationJournal(string generationId)
{
    public string GenerationId { get; } = generationId;

    public Lock Gate { get; } = new();

    /// <summary>The newest sequence appended or waiting here.</summary>
    public long Last { get; set; }

    /// <summary>The newest entry this instance wrote to Redis.</summary>
    public EventLogEntry? Flushed { get; set; }

    /// <summary>Events waiting for Redis, oldest first.</summary>
    public Queue<EventLogEntry> Pending { get; } = new();

    /// <summary>When the oldest waiting event started waiting.</summary>
    public DateTimeOffset BufferingSince { get; set; }

    /// <summary>Redis answered that the generation does not exist: restore it before writing the waiting events.</summary>
    public bool NeedsRestore { get; set; }

    /// <summary>Why the run may append nothing but its terminal event any more (an outage went past its limits).</summary>
    public string? Failure { get; set; }
}
