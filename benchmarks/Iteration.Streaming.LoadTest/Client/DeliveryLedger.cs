using System.Buffers.Text;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// What one connection received of each generation it follows, from each event's own JSON (<c>generation_id</c> and the
/// producer's <c>#ts</c> stamp), so delivery is checked the same way on a single stream (numeric ids) and on a
/// multiplexed one (opaque cursors): per generation, how many stamped events arrived, whether each stamp came after the
/// previous one (a duplicate or a reordering does not), and how many unstamped (terminal) events arrived.
/// </summary>
/// <remarks>
/// The producer stamps each event with <c>Stopwatch.GetTimestamp()</c> when it creates it, one generation's events one
/// after the other, so within a generation the stamps strictly increase: a connection that received exactly the expected
/// count with every stamp above the one before received every event once, in order. Written by the connection's receive
/// loop only; read once its stream has ended.
/// </remarks>
internal sealed class DeliveryLedger(MemberIndex members)
{
    private static ReadOnlySpan<byte> GenerationIdMarker => "\"generation_id\":\""u8;

    private readonly long[] _stamped = new long[members.Count];
    private readonly long[] _lastStamp = new long[members.Count];
    private readonly int[] _unstamped = new int[members.Count];

    /// <summary>Events whose stamp was not after their generation's previous one (a duplicate or out of order).</summary>
    public long OutOfOrder { get; private set; }

    /// <summary>Events naming no generation of <see cref="MemberIndex"/>.</summary>
    public long Foreign { get; private set; }

    public long Stamped(int member) => _stamped[member];

    public int Unstamped(int member) => _unstamped[member];

    /// <summary>Records one event's data line; <paramref name="stamp"/> is its <c>#ts</c> value, or 0 when it has none.</summary>
    public void Record(ReadOnlySpan<byte> data, long stamp)
    {
        var at = data.IndexOf(GenerationIdMarker);
        if (at < 0 || !Utf8Parser.TryParse(data[(at + GenerationIdMarker.Length)..], out Guid id, out _) || !members.TryGet(id, out var member))
        {
            Foreign++;
            return;
        }

        if (stamp == 0)
        {
            _unstamped[member]++;
            return;
        }

        if (stamp <= _lastStamp[member])
        {
            OutOfOrder++;
        }

        _lastStamp[member] = stamp;
        _stamped[member]++;
    }
}

/// <summary>The generations of a scenario, each with its index in the ledgers.</summary>
internal sealed class MemberIndex
{
    private readonly Dictionary<Guid, int> _index;

    public MemberIndex(IReadOnlyList<string> generationIds)
    {
        Ids = generationIds;
        _index = generationIds.Select((id, i) => (Id: Guid.Parse(id), i)).ToDictionary(x => x.Id, x => x.i);
    }

    public IReadOnlyList<string> Ids { get; }

    public int Count => Ids.Count;

    public bool TryGet(Guid id, out int member) => _index.TryGetValue(id, out member);
}
