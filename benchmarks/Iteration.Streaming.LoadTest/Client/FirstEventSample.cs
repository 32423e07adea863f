using System.Collections.Concurrent;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// What the starts of one store at one concurrency measured (thread-safe): time to first event, time to the 202, which
/// event came first, how the runs ended, and the errors.
/// </summary>
internal sealed class FirstEventSample
{
    private readonly ConcurrentDictionary<string, int> _firstEvents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _endings = new(StringComparer.Ordinal);
    private long _errors;
    private long _events;
    private string? _firstError;

    /// <summary>From the moment the POST is sent to the moment the watcher has its first event frame.</summary>
    public LatencyHistogram FirstEvent { get; } = new();

    /// <summary>From the moment the POST is sent to the moment its 202 answer is read.</summary>
    public LatencyHistogram Answered { get; } = new();

    /// <summary>The server process's CPU time over the measured starts (their whole runs and streams), in ms.</summary>
    public double ServerCpuMs { get; set; }

    /// <summary>This load generator's CPU time over the measured starts, in ms (it shares the machine's cores with the server).</summary>
    public double ClientCpuMs { get; set; }

    /// <summary>The server's CPU per measured start, in ms; NaN when none was measured.</summary>
    public double ServerCpuMsPerStart => FirstEvent.Count == 0 ? double.NaN : ServerCpuMs / FirstEvent.Count;

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Events read from the measured starts' streams, to their terminal events.</summary>
    public long Events => Interlocked.Read(ref _events);

    public string? FirstError => Volatile.Read(ref _firstError);

    /// <summary>The first event's status and stage, e.g. "processing/initializing", with how many runs began with it.</summary>
    public string FirstEvents => Describe(_firstEvents);

    /// <summary>The last event's status, e.g. "completed", with how many runs ended with it.</summary>
    public string Endings => Describe(_endings);

    public void Error(string message)
    {
        Interlocked.Increment(ref _errors);
        Interlocked.CompareExchange(ref _firstError, message, null);
    }

    public void Began(string firstEvent) => _firstEvents.AddOrUpdate(firstEvent, 1, (_, n) => n + 1);

    public void Ended(string lastStatus, int events)
    {
        _endings.AddOrUpdate(lastStatus, 1, (_, n) => n + 1);
        Interlocked.Add(ref _events, events);
    }

    private static string Describe(ConcurrentDictionary<string, int> counts) =>
        counts.IsEmpty ? "none" : string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} ×{c.Value}"));
}
