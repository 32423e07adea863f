using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Tasks.Sources;
using Iteration.Streaming.EventLog;

namespace Iteration.Streaming.AspNetCore.Streams.Multiplex;

/// <summary>
/// Many generations' subscriptions read as one: entries of the members that have some, in turn (one each per round, so
/// a member with a long backlog does not hold the others back), with one wait for "any member has an entry".
/// </summary>
/// <remarks>
/// <para>
/// Each member stays a cursor into its own log with at most one wait pending on it, so a slow reader only lags and holds
/// no copy of any event. Wake-ups are coalesced: members that become ready while the stream writes, or together, wake
/// the stream once; it then drains them all. A member's wait completion only queues the member (no reading on the waking
/// thread).
/// </para>
/// <para>
/// It is an <see cref="EventLogSubscription"/> so the single stream's waiter (heartbeats, lifetime, host stopping) drives
/// it unchanged: <see cref="TryRead"/> and <see cref="WaitToReadAsync"/> are called by the one reader; members are added
/// (an owner's new generation) and woken from other threads.
/// </para>
/// </remarks>
internal sealed class MultiplexSubscription : EventLogSubscription, IValueTaskSource<bool>
{
    private static ReadOnlySpan<byte> IdField => "id: "u8;
    private static ReadOnlySpan<byte> DataField => "\ndata: "u8;

    private readonly Lock _gate = new();
    private readonly Queue<MultiplexMember> _ready = new();
    private readonly Queue<string> _left = new();
    private readonly List<ValueTask> _disposals = [];
    private readonly string _description;
    private readonly bool _endsWhenDone;
    private ManualResetValueTaskSourceCore<bool> _core;
    private MultiplexMember[] _members = [];
    private byte[] _head;
    private bool _armed;
    private bool _disposed;
    private Exception? _failure;
    private int _following;
    private long _delivered;

    /// <param name="description">What the stream follows, for logs (never a token).</param>
    /// <param name="head">The cursor's start (see <see cref="MultiplexCursor"/>).</param>
    /// <param name="endsWhenDone">A watch set ends once every member is done; an owner's stream waits for new members.</param>
    public MultiplexSubscription(string description, string head, bool endsWhenDone)
    {
        _description = description;
        _head = Encoding.ASCII.GetBytes(head);
        _endsWhenDone = endsWhenDone;
        _core.RunContinuationsAsynchronously = false;
    }

    public override string GenerationId => _description;

    /// <summary>A watch set whose every member is done already: the client has everything (HTTP answers 204).</summary>
    public override bool IsAlreadyComplete => _endsWhenDone && Volatile.Read(ref _following) == 0;

    /// <summary>How many events this stream delivered.</summary>
    public override long LastSequence => _delivered;

    /// <summary>The member of the entry <see cref="TryRead"/> returned last.</summary>
    public MultiplexMember? Current { get; private set; }

    /// <summary>A watch set all of whose members are done now (the reader's view).</summary>
    public bool IsComplete => _endsWhenDone && Volatile.Read(ref _following) == 0;

    /// <summary>The members, in cursor order.</summary>
    public IReadOnlyList<MultiplexMember> Members => Volatile.Read(ref _members);

    /// <summary>How many members are not done.</summary>
    public int Following => Volatile.Read(ref _following);

    /// <summary>Adds a member: one that follows its log is read from its position on, one done only stays in the cursor.</summary>
    public void Add(MultiplexMember member)
    {
        bool wake;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _members = [.. _members, member];
            if (member.IsDone)
            {
                return;
            }

            _following++;
            member.Queued = true;
            _ready.Enqueue(member);
            wake = Disarm();
        }

        if (wake)
        {
            _core.SetResult(true);
        }
    }

    /// <summary>Adds a member that no longer exists: it stays in the cursor as done, and the client is told once.</summary>
    public void AddGone(string generationId, bool keyed)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _members = [.. _members, MultiplexMember.Finished(generationId, keyed)];
            _left.Enqueue(generationId);
        }
    }

    /// <summary>Something to dispose with the stream (an owner's stream's membership).</summary>
    public IAsyncDisposable? Companion { get; set; }

    /// <summary>Whether <paramref name="generationId"/> is a member (following or done).</summary>
    public bool Contains(string generationId) => Array.Exists(Volatile.Read(ref _members), m => string.Equals(m.Id, generationId, StringComparison.Ordinal));

    /// <summary>Replaces the cursor's start (an owner's stream moved its watermark) and drops the done members <paramref name="drop"/> names.</summary>
    public void Revise(string head, Func<MultiplexMember, bool> drop)
    {
        var bytes = Encoding.ASCII.GetBytes(head);
        lock (_gate)
        {
            _members = [.. _members.Where(m => !(m.IsDone && drop(m)))];
            Volatile.Write(ref _head, bytes);
        }
    }

    /// <summary>A member that left without its terminal event (its log was deleted), to tell the client once.</summary>
    public bool TryTakeLeft([NotNullWhen(true)] out string? generationId)
    {
        lock (_gate)
        {
            return _left.TryDequeue(out generationId);
        }
    }

    /// <summary>Marks a member that could not be followed (deleted before the stream opened, or while it ran) as gone.</summary>
    public void Leave(MultiplexMember member)
    {
        var subscription = member.Finish();
        lock (_gate)
        {
            if (Array.IndexOf(_members, member) >= 0)
            {
                _following--;
            }

            _left.Enqueue(member.Id);
        }

        DisposeLater(subscription);
    }

    public override bool TryRead([NotNullWhen(true)] out EventLogEntry? entry)
    {
        while (true)
        {
            MultiplexMember? member;
            lock (_gate)
            {
                if (!_ready.TryDequeue(out member))
                {
                    entry = null;
                    return false;
                }

                member.Queued = false;
            }

            if (member.Subscription is not { } subscription)
            {
                continue;
            }

            if (subscription.TryRead(out entry))
            {
                member.Sequence = entry.Sequence;
                if (entry.IsTerminal)
                {
                    DisposeLater(member.Finish());
                    lock (_gate)
                    {
                        _following--;
                    }
                }
                else
                {
                    // To the back: the next entry comes from the next member that has one.
                    Requeue(member);
                }

                Current = member;
                _delivered++;
                return true;
            }

            var wait = subscription.WaitToReadAsync(CancellationToken.None);
            if (wait.IsCompletedSuccessfully)
            {
                if (wait.Result)
                {
                    Requeue(member);
                }
                else
                {
                    Leave(member);
                }

                continue;
            }

            member.PendingWait = wait;
            member.OnReady ??= () => OnMemberReady(member);
            wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(member.OnReady);
        }
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_failure is { } failure)
            {
                return ValueTask.FromException<bool>(failure);
            }

            if (_ready.Count > 0 || _left.Count > 0)
            {
                return ValueTask.FromResult(true);
            }

            if (_endsWhenDone && _following == 0)
            {
                return ValueTask.FromResult(false);
            }

            _core.Reset();
            _armed = true;
            return new ValueTask<bool>(this, _core.Version);
        }
    }

    /// <summary>
    /// Writes <paramref name="entry"/> (of <see cref="Current"/>) as this stream's frame: <c>id: {cursor}</c>, then the
    /// entry's own data line unchanged. Returns the bytes written.
    /// </summary>
    public int WriteFrame(PipeWriter writer, EventLogEntry entry)
    {
        var frame = entry.Frame.Span;
        var data = frame[frame.IndexOf(DataField)..];
        var head = Volatile.Read(ref _head);
        var members = Volatile.Read(ref _members);
        var size = IdField.Length + head.Length + data.Length;
        foreach (var member in members)
        {
            size += member.Key.Length + 21;
        }

        var span = writer.GetSpan(size);
        IdField.CopyTo(span);
        var at = IdField.Length;
        head.CopyTo(span[at..]);
        at += head.Length;
        for (var i = 0; i < members.Length; i++)
        {
            var member = members[i];
            if (i > 0)
            {
                span[at++] = (byte)',';
            }

            member.Key.CopyTo(span[at..]);
            at += member.Key.Length;
            if (member.IsDone)
            {
                span[at++] = (byte)MultiplexCursor.Done;
            }
            else
            {
                Utf8Formatter.TryFormat(member.Sequence, span[at..], out var digits);
                at += digits;
            }
        }

        data.CopyTo(span[at..]);
        at += data.Length;
        writer.Advance(at);
        return at;
    }

    public override async ValueTask DisposeAsync()
    {
        MultiplexMember[] members;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            members = _members;
        }

        if (Companion is { } companion)
        {
            await companion.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var member in members)
        {
            if (member.Finish() is { } subscription)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (var disposal in _disposals)
        {
            await disposal.ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void OnMemberReady(MultiplexMember member)
    {
        var ready = false;
        Exception? failure = null;
        try
        {
            ready = member.PendingWait.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        member.PendingWait = default;
        bool wake;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (failure is not null)
            {
                _failure ??= failure;
            }
            else if (ready)
            {
                member.Queued = true;
                _ready.Enqueue(member);
            }
            else
            {
                // The log ended with no terminal event read: the generation was deleted while watched.
                DisposeLaterLocked(member.Finish());
                _following--;
                _left.Enqueue(member.Id);
            }

            wake = Disarm();
        }

        if (wake)
        {
            if (failure is null)
            {
                _core.SetResult(true);
            }
            else
            {
                _core.SetException(failure);
            }
        }
    }

    private void Requeue(MultiplexMember member)
    {
        lock (_gate)
        {
            member.Queued = true;
            _ready.Enqueue(member);
        }
    }

    private void DisposeLater(EventLogSubscription? subscription)
    {
        if (subscription is null)
        {
            return;
        }

        lock (_gate)
        {
            DisposeLaterLocked(subscription);
        }
    }

    private void DisposeLaterLocked(EventLogSubscription? subscription)
    {
        if (subscription is null)
        {
            return;
        }

        var disposal = subscription.DisposeAsync();
        if (!disposal.IsCompletedSuccessfully)
        {
            _disposals.Add(disposal);
        }
    }

    private bool Disarm()
    {
        if (!_armed)
        {
            return false;
        }

        _armed = false;
        return true;
    }
}
