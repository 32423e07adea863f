using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AspNetCore.Streams.Multiplex;

/// <summary>
/// Who an owner's stream (<c>GET {prefix}/stream?owner=me</c>) follows: the owner's live generations when it opens, then
/// every generation the owner starts, from its first event. Started on this instance, one joins at once
/// (<see cref="OwnerStarts"/>); started elsewhere, at the next look in the record store (every
/// <c>OwnerStreamRefreshInterval</c>).
/// </summary>
/// <remarks>
/// Each look lists the owner's generations created since the cursor's watermark less <see cref="Window"/> (room for
/// clocks that differ between instances and for an index written late), newest first; any not followed yet joins from
/// its first event. Done members stay in the cursor while they are inside that window, so a generation that started and
/// ended between two looks is delivered whole, once; older done members leave the cursor. Looks are serialised, and one
/// asked for while another runs is made once after it (a burst of starts costs one look).
/// </remarks>
internal sealed class OwnerMembership : IAsyncDisposable
{
    /// <summary>How far before the watermark a look reaches.</summary>
    internal static readonly TimeSpan Window = TimeSpan.FromMinutes(2);

    /// <summary>The most records one look reads.</summary>
    internal const int MaxScanned = 1_000;

    private static readonly string[] LiveStatuses = [GenerationStatus.Queued, GenerationStatus.Processing, GenerationStatus.AwaitingInput];

    private readonly string _userId;
    private readonly string _tag;
    private readonly MultiplexSubscription _stream;
    private readonly IIterationEngine _engine;
    private readonly IGenerationRecordStore _records;
    private readonly IGenerationEventLog _log;
    private readonly IterationStreamingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _looking = new(1, 1);
    private readonly CancellationTokenSource _stopped = new();
    private readonly HashSet<string> _toldFull = new(StringComparer.Ordinal);
    private IDisposable? _starts;
    private ITimer? _timer;
    private long _watermark;
    private int _lookAgain;

    public OwnerMembership(
        string userId, string tag, MultiplexSubscription stream, IIterationEngine engine, IGenerationRecordStore records, IGenerationEventLog log,
        IterationStreamingOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _userId = userId;
        _tag = tag;
        _stream = stream;
        _engine = engine;
        _records = records;
        _log = log;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Opens the stream's membership: from a cursor's members and watermark, or (none) the owner's live generations at
    /// their latest event (or their first, <paramref name="fromStart"/>), then one look for what started since.
    /// </summary>
    /// <exception cref="MultiplexCursorException">A member's position is ahead of its log.</exception>
    public async ValueTask OpenAsync(OwnerStarts starts, long? watermark, IReadOnlyList<(string Id, long Sequence)>? entries, bool fromStart, CancellationToken cancellationToken)
    {
        // Listening first: a generation started while the stream opens is found by the look that follows, or by this.
        _starts = starts.Listen(_userId, (_, _) => RequestLook());
        await _looking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await OpenMembersAsync(watermark, entries, fromStart, cancellationToken).ConfigureAwait(false);
            await LookCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _looking.Release();
        }

        var interval = _options.OwnerStreamRefreshInterval;
        _timer = _timeProvider.CreateTimer(static s => ((OwnerMembership)s!).RequestLook(), this, interval, interval);
    }

    private async Task OpenMembersAsync(long? watermark, IReadOnlyList<(string Id, long Sequence)>? entries, bool fromStart, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        if (entries is not null && watermark is { } mark)
        {
            _watermark = mark;
            foreach (var (id, sequence) in entries)
            {
                if (sequence < 0)
                {
                    _stream.Add(MultiplexMember.Finished(id, keyed: true));
                }
                else if (_stream.Following < _options.MaxGenerationsPerStream)
                {
                    await MultiplexMembers.FollowAsync(_stream, _engine, _log, id, sequence, keyed: true, createdAt: null, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        else
        {
            await OpenLiveAsync(fromStart, cancellationToken).ConfigureAwait(false);
            await MarkRecentEndedAsync(now, cancellationToken).ConfigureAwait(false);
            _watermark = now.ToUnixTimeMilliseconds();
        }
    }

    /// <summary>The cursor's start for the current watermark.</summary>
    public string Head => MultiplexCursor.OwnerHead(_tag, Interlocked.Read(ref _watermark));

    public async ValueTask DisposeAsync()
    {
        _starts?.Dispose();
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        // Not disposed: a look still running may read its token.
        await _stopped.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Asks for a look; one running already makes one more when it ends.</summary>
    private void RequestLook()
    {
        if (Interlocked.Exchange(ref _lookAgain, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await LookAsync(_stopped.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopped.IsCancellationRequested)
            {
                // The stream ended.
            }
            catch (ObjectDisposedException)
            {
                // The stream ended while the look ran.
            }
            catch (Exception ex)
            {
                Log.OwnerRefreshFailed(_logger, ex);
            }
        });
    }

    /// <summary>Joins every generation of the owner created since the watermark less the window that is not followed yet.</summary>
    private async Task LookAsync(CancellationToken cancellationToken)
    {
        await _looking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LookCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _looking.Release();
        }
    }

    private async Task LookCoreAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _lookAgain, 0);
        var now = _timeProvider.GetUtcNow();
        var cutoff = DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _watermark)) - Window;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var complete = false;
        GenerationRecordPosition? after = null;
        while (seen.Count < MaxScanned)
        {
            var page = await _records.ListByUserAsync(
                new GenerationRecordQuery { UserId = _userId, Limit = GenerationRecordQuery.MaxLimit, After = after }, cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Records)
            {
                if (record.CreatedAt < cutoff)
                {
                    complete = true;
                    break;
                }

                seen.Add(record.GenerationId);
                if (!_stream.Contains(record.GenerationId))
                {
                    await JoinAsync(record, cancellationToken).ConfigureAwait(false);
                }
            }

            if (complete || page.Next is null)
            {
                complete = true;
                break;
            }

            after = page.Next;
        }

        Interlocked.Exchange(ref _watermark, now.ToUnixTimeMilliseconds());

        // Done members out of the window leave the cursor (only after a look that reached the window's start).
        _stream.Revise(Head, complete ? m => !seen.Contains(m.Id) : static _ => false);
    }

    private async Task JoinAsync(GenerationRecord record, CancellationToken cancellationToken)
    {
        if (_stream.Following >= _options.MaxGenerationsPerStream)
        {
            if (_toldFull.Add(record.GenerationId))
            {
                Log.OwnerStreamFull(_logger, record.GenerationId, _options.MaxGenerationsPerStream);
            }

            return;
        }

        // New to this stream: from its first event.
        await MultiplexMembers.FollowAsync(_stream, _engine, _log, record.GenerationId, 0, keyed: true, record.CreatedAt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The owner's live generations (newest first, up to the cap), at their latest event or their first.</summary>
    private async Task OpenLiveAsync(bool fromStart, CancellationToken cancellationToken)
    {
        var live = new List<GenerationRecord>();
        foreach (var status in LiveStatuses)
        {
            GenerationRecordPosition? after = null;
            do
            {
                var page = await _records.ListByUserAsync(
                    new GenerationRecordQuery { UserId = _userId, Status = status, Limit = GenerationRecordQuery.MaxLimit, After = after }, cancellationToken).ConfigureAwait(false);
                live.AddRange(page.Records);
                after = page.Next;
            }
            while (after is not null && live.Count < _options.MaxGenerationsPerStream);
        }

        live.Sort(static (a, b) => GenerationRecords.Compare(GenerationRecordPosition.Of(b), GenerationRecordPosition.Of(a)));
        foreach (var record in live.Take(_options.MaxGenerationsPerStream))
        {
            if (!_stream.Contains(record.GenerationId))
            {
                await MultiplexMembers.FollowAsync(
                    _stream, _engine, _log, record.GenerationId, fromStart ? 0 : null, keyed: true, record.CreatedAt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Generations of the window that ended before the stream opened: known (done), so no look joins them.</summary>
    /// <param name="now">When the stream began opening.</param>
    private async Task MarkRecentEndedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - Window;
        GenerationRecordPosition? after = null;
        var scanned = 0;
        while (scanned < MaxScanned)
        {
            var page = await _records.ListByUserAsync(
                new GenerationRecordQuery { UserId = _userId, Limit = GenerationRecordQuery.MaxLimit, After = after }, cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Records)
            {
                if (record.CreatedAt < cutoff)
                {
                    return;
                }

                scanned++;
                // One that ended after the stream began opening started or ran during it: the look joins it from its first event.
                if (!_stream.Contains(record.GenerationId) && GenerationStatus.IsTerminal(record.Status) && record.EndedAt < now)
                {
                    _stream.Add(MultiplexMember.Finished(record.GenerationId, keyed: true));
                }
            }

            if (page.Next is null)
            {
                return;
            }

            after = page.Next;
        }
    }
}
