namespace Iteration.Streaming.LoadTest.Server;

/// <summary>The systems under test: ours and the three baselines, all on the same Kestrel.</summary>
internal static class Systems
{
    public const string Ours = "ours";
    public const string Naive = "naive";
    public const string Typed = "typed";
    public const string SignalR = "signalr";
    public const string Floor = "floor";

    public static readonly string[] All = [Ours, Floor, Naive, Typed, SignalR];

    public static string Title(string system) => system switch
    {
        Ours => "Iteration.Streaming",
        Naive => "naive (serialise + flush per subscriber)",
        Typed => "TypedResults.ServerSentEvents + channel",
        SignalR => "SignalR streaming hub (SSE transport)",
        Floor => "bare Kestrel floor (serialise once, channel, one flush per batch)",
        _ => system,
    };

    public static string Short(string system) => system switch
    {
        Ours => "ours",
        Naive => "naive",
        Typed => "TypedResults",
        SignalR => "SignalR",
        Floor => "floor",
        _ => system,
    };
}

/// <summary>Creates generations (ours: event logs; baselines: topics), optionally with events already appended.</summary>
internal sealed record CreateRequest(string System, int Count, int Prefill = 0, int PayloadBytes = 0);

internal sealed record CreatedGeneration(string Id, string? Token);

/// <summary>
/// What the server's producer appends: each generation gets events at its own rate (events/s) for a duration, or
/// bursts of events back to back. Every event's message carries the server's monotonic timestamp.
/// </summary>
internal sealed record ProduceRequest(
    string System,
    string[] Ids,
    double[]? Rates = null,
    int DurationMs = 0,
    int BurstSize = 0,
    int Bursts = 0,
    int BurstIntervalMs = 0,
    int PayloadBytes = 0,
    bool Saturate = false,
    int Concurrency = 1);

/// <param name="AppendP50Ms">From an event's creation to its append's completion, on the producing instance (steady loads).</param>
/// <param name="AppendP99Ms">The same at p99.</param>
internal sealed record ProduceResult(long Published, double ElapsedMs, long Failures, double AppendP50Ms = 0, double AppendP99Ms = 0);

internal sealed record ServerStats(
    double CpuMs,
    long HeapBytes,
    long RssBytes,
    long AllocatedBytes,
    int Gen2Collections,
    long Subscribers,
    long EventsWritten,
    int ThreadCount,
    int OpenHandles,
    long JitCompiledMethods = 0);
