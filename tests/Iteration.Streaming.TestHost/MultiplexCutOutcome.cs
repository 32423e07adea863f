using System.Net;

namespace Iteration.Streaming.TestHost;

/// <summary>What a <see cref="MultiplexCutScenario"/> saw: per generation, the multiplexed data and its own stream's data.</summary>
public sealed class MultiplexCutOutcome
{
    internal MultiplexCutOutcome(
        IReadOnlyList<string> generations,
        MultiplexStreamReader reader,
        IReadOnlyDictionary<string, IReadOnlyList<string>> expected,
        HttpStatusCode finalStatus)
    {
        Generations = generations;
        Reader = reader;
        Expected = expected;
        FinalStatus = finalStatus;
    }

    /// <summary>The watched generations, in the watch set's order.</summary>
    public IReadOnlyList<string> Generations { get; }

    /// <summary>The reader, with every frame of every connection.</summary>
    public MultiplexStreamReader Reader { get; }

    /// <summary>Each generation's data lines as its own stream (<c>GET {id}/stream</c>, from the start) serves them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Expected { get; }

    /// <summary>The status of the connection that ended the reading (204 for a fully delivered watch set).</summary>
    public HttpStatusCode FinalStatus { get; }

    /// <summary>The longest cursor (SSE id) received, in characters.</summary>
    public int LongestCursor => Reader.Events.Select(e => e.Id?.Length ?? 0).DefaultIfEmpty().Max();

    /// <summary>
    /// Where the multiplexed stream differs from the members' own streams (each member's events exactly once, in its
    /// order, byte for byte); empty when it does not.
    /// </summary>
    public IReadOnlyList<string> Mismatches()
    {
        var mismatches = new List<string>();
        foreach (var id in Generations)
        {
            var received = Reader.DataOf(id);
            var expected = Expected[id];
            if (received.SequenceEqual(expected, StringComparer.Ordinal))
            {
                continue;
            }

            var at = 0;
            while (at < received.Count && at < expected.Count && string.Equals(received[at], expected[at], StringComparison.Ordinal))
            {
                at++;
            }

            mismatches.Add($"{id}: received {received.Count} events, its own stream has {expected.Count}; first difference at {at}: "
                + $"received {(at < received.Count ? received[at] : "nothing")}, expected {(at < expected.Count ? expected[at] : "nothing")}");
        }

        var strangers = Reader.Events.Select(e => e.GenerationId).Where(g => g is null || !Expected.ContainsKey(g)).Distinct().ToList();
        if (strangers.Count > 0)
        {
            mismatches.Add($"events of generations outside the set: {string.Join(", ", strangers)}");
        }

        return mismatches;
    }
}
