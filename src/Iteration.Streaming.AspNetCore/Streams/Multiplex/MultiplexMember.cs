using System.Text;
using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.AspNetCore.Streams.Multiplex;

/// <summary>
/// One generation of a multiplexed stream: its subscription (a cursor into its log, never a queue) and its position.
/// <see cref="Sequence"/> and <see cref="IsDone"/> are written only by the stream's reader.
/// </summary>
internal sealed class MultiplexMember
{
    private MultiplexMember(string id, byte[] key, EventLogSubscription? subscription, long sequence, bool done)
    {
        Id = id;
        Key = key;
        Subscription = subscription;
        Sequence = sequence;
        IsDone = done;
    }

    public string Id { get; }

    /// <summary>What precedes the position in the cursor: nothing in a watch set (positional), <c>{id}:</c> in an owner's.</summary>
    public byte[] Key { get; }

    public EventLogSubscription? Subscription { get; private set; }

    /// <summary>The last delivered sequence (0 before any).</summary>
    public long Sequence { get; set; }

    /// <summary>Its terminal event was delivered, or it left (deleted): nothing more comes from it.</summary>
    public bool IsDone { get; private set; }

    /// <summary>Whether it is in the stream's ready queue (guarded by the stream's lock).</summary>
    internal bool Queued { get; set; }

    /// <summary>The wait on <see cref="Subscription"/> whose completion queues it again.</summary>
    internal ValueTask<bool> PendingWait { get; set; }

    /// <summary>The continuation of <see cref="PendingWait"/>, made once.</summary>
    internal Action? OnReady { get; set; }

    /// <summary>When the generation was created, when known (an owner's stream drops done members out of its window).</summary>
    public DateTimeOffset? CreatedAt { get; set; }

    public static MultiplexMember Following(string id, bool keyed, EventLogSubscription subscription, long after) =>
        new(id, KeyOf(id, keyed), subscription, after, done: false);

    public static MultiplexMember Finished(string id, bool keyed) => new(id, KeyOf(id, keyed), null, 0, done: true);

    /// <summary>Marks it done and hands back its subscription to dispose (once).</summary>
    public EventLogSubscription? Finish()
    {
        IsDone = true;
        var subscription = Subscription;
        Subscription = null;
        return subscription;
    }

    private static byte[] KeyOf(string id, bool keyed) => keyed ? Encoding.ASCII.GetBytes(id + ":") : [];
}
