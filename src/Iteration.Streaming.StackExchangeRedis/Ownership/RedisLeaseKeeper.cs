using System.Collections.Concurrent;
using System.Globalization;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.StackExchangeRedis.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// Ownership of runs across instances. Every <see cref="IterationStreamingRedisOptions.LeaseRenewalInterval"/> it renews
/// the leases of this instance's runs (picking up cancel requests made elsewhere), and ends the runs of other instances
/// whose lease lapsed: it appends their terminal <c>failed</c> event through the append script, which refuses while the
/// lease exists and after any terminal event, so exactly one instance ends a lost run, and never a run that ended.
/// </summary>
/// <remarks>
/// The lease's expiry is Redis's own (<c>SET PX</c>), so instances' clocks do not decide who owns what. An instance takes
/// over only after it has been talking to Redis for a whole lease: when Redis comes back from an outage, every owner
/// renews at once (on the connection's restore), and gets that long to do so before anyone ends its runs.
/// Cancel requests are a mark in the generation's meta (which the owner reads on every renewal: it survives a lost
/// message or a reconnecting subscriber) plus a pub/sub message on the owner's channel (which makes it immediate).
/// </remarks>
internal sealed class RedisLeaseKeeper : IRunCoordinator, IAsyncDisposable, IDisposable
{
    /// <summary>The message of the <c>failed</c> event that ends a lost run.</summary>
    public const string OwnerLostMessage = "Generation failed: the app instance running it stopped responding";

    private const int ScanBatchSize = 100;

    private readonly RedisConnection _connection;
    private readonly RedisAppender _appender;
    private readonly RedisGenerationRecordStore _records;
    private readonly RedisStreamTail _tail;
    private readonly RedisKeys _keys;
    private readonly IterationStreamingRedisOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, OwnedRun> _owned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _tickGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private DateTimeOffset? _connectedSince;
    private bool _failing;
    private bool _subscribed;
    private bool _started;
    private bool _disposed;

    public RedisLeaseKeeper(
        RedisConnection connection,
        RedisAppender appender,
        RedisGenerationRecordStore records,
        RedisStreamTail tail,
        TimeProvider timeProvider,
        ILogger<RedisLeaseKeeper>? logger = null)
    {
        _connection = connection;
        _appender = appender;
        _records = records;
        _tail = tail;
        _options = connection.Options;
        _keys = new RedisKeys(_options.KeyPrefix);
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public string? InstanceName => _options.InstanceName;

    /// <summary>Runs this instance owns now, for tests.</summary>
    internal int OwnedCount => _owned.Count;

    /// <summary>The error of the <c>failed</c> event that ends a lost run.</summary>
    public static string OwnerLostError(TimeSpan leaseDuration) => string.Create(
        CultureInfo.InvariantCulture,
        $"The app instance running this generation was lost: it stopped renewing its ownership for {leaseDuration.TotalSeconds:0.###} seconds (it crashed, or lost Redis). Files it saved before that remain readable.");

    /// <summary>Starts renewing and watching leases (once; every use of the backplane calls it).</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_started || _disposed)
            {
                return;
            }

            _started = true;
            _appender.GenerationLost += OnGenerationLost;
            _connection.Restored += TickSoon;
            _connection.Failed += OnConnectionFailed;
            _timer = _timeProvider.CreateTimer(static state => ((RedisLeaseKeeper)state!).TickSoon(), this, TimeSpan.Zero, _options.LeaseRenewalInterval);
        }
    }

    public IDisposable Hold(string generationId, Action<CancelReason> stop)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        ArgumentNullException.ThrowIfNull(stop);
        Start();
        var run = new OwnedRun(generationId, stop);
        _owned[generationId] = run;
        return run;
    }

    public async ValueTask<bool> RequestCancelAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generationId);
        Start();
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return false;
        }

        var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var requested = (long)await database.ScriptEvaluateAsync(
                RedisScripts.Cancel,
                [_keys.Meta(generationId)],
                [_keys.CancelChannelStart, RedisKeys.CancelChannelEnd, generationId])
            .WaitAsync(cancellationToken)
            .ConfigureAwait(false);
        if (requested == 1)
        {
            Log.CancelForwarded(_logger, generationId);
        }

        return requested == 1;
    }

    /// <summary>Runs one renewal and scan now (after any running one), for tests.</summary>
    internal async Task TickNowAsync()
    {
        await _tickGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await TickAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            _tickGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _tickGate.WaitAsync().ConfigureAwait(false);
        if (_subscribed && _connection.Multiplexer is { IsConnected: true } multiplexer)
        {
            try
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(_keys.CancelChannel(_options.InstanceName)).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is ObjectDisposedException)
            {
                // Going away anyway: the server drops the subscription with the connection.
            }
        }

        _tickGate.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Stops without waiting for a running round (it sees the cancellation and ends on its own).</summary>
    public void Dispose()
    {
        if (BeginDispose())
        {
            _stopping.Cancel();
        }
    }

    private bool BeginDispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            _timer?.Dispose();
            if (_started)
            {
                _appender.GenerationLost -= OnGenerationLost;
                _connection.Restored -= TickSoon;
                _connection.Failed -= OnConnectionFailed;
            }
        }

        return true;
    }

    private void TickSoon()
    {
        bool entered;
        try
        {
            entered = _tickGate.Wait(0);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        if (!entered)
        {
            // A tick is running; it does the same work.
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await TickAsync(_stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                _tickGate.Release();
            }
        });
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        try
        {
            var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            await SubscribeAsync().ConfigureAwait(false);
            await RenewAsync(database, cancellationToken).ConfigureAwait(false);
            await CheckWatchedAsync(database, cancellationToken).ConfigureAwait(false);

            var now = _timeProvider.GetUtcNow();
            var due = await database.SortedSetRangeByScoreAsync(_keys.Leases, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: ScanBatchSize)
                .WaitAsync(cancellationToken)
                .ConfigureAwait(false);
            if (!OnTickSucceeded(now))
            {
                return;
            }

            foreach (var id in due)
            {
                var generationId = (string)id!;
                if (!_owned.ContainsKey(generationId) && RedisKeys.IsValidGenerationId(generationId))
                {
                    await TakeOverAsync(database, generationId, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is ObjectDisposedException)
        {
            OnTickFailed(ex);
        }
        catch (Exception ex)
        {
            // The timer must keep going whatever happened: every run's ownership depends on it.
            Log.KeeperTickFailed(_logger, ex);
        }
    }

    private async Task SubscribeAsync()
    {
        if (_subscribed || _connection.Multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            // The multiplexer subscribes again by itself after a reconnect.
            await multiplexer.GetSubscriber().SubscribeAsync(_keys.CancelChannel(_options.InstanceName), (_, message) => OnCancelMessage(message)).ConfigureAwait(false);
            _subscribed = true;
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex))
        {
            // Renewal must go on; cancel requests still arrive as the mark read at each renewal, and the next round subscribes.
            Log.CancelSubscriptionFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Ends the local streams of generations Redis lost before their end when nobody restored them within a lease (their
    /// owner died with Redis's data): otherwise their watchers would wait forever.
    /// </summary>
    private async Task CheckWatchedAsync(IDatabase database, CancellationToken cancellationToken)
    {
        var watched = _tail.Unfinished();
        var checks = watched.Select(w => (Watch: w, Exists: database.KeyExistsAsync(_keys.Meta(w.GenerationId)))).ToList();
        var now = _timeProvider.GetUtcNow();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (watch, exists) in checks)
        {
            var id = watch.GenerationId;
            seen.Add(id);
            if (await exists.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                _missingSince.Remove(id);
                continue;
            }

            if (!_missingSince.TryGetValue(id, out var since))
            {
                _missingSince[id] = now;
            }
            else if (now - since >= _options.LeaseDuration)
            {
                _missingSince.Remove(id);
                Log.WatchedGenerationGone(_logger, id);
                watch.MarkGone();
            }
        }

        foreach (var id in _missingSince.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _missingSince.Remove(id);
        }
    }

    private async Task RenewAsync(IDatabase database, CancellationToken cancellationToken)
    {
        var leaseMilliseconds = RedisGenerationRecordStore.LeaseMilliseconds(_options.LeaseDuration);
        var renewals = new List<(OwnedRun Run, Task<RedisResult> Result)>();
        foreach (var run in _owned.Values)
        {
            if (run.Released && !_appender.HasPending(run.GenerationId))
            {
                // The engine let go and nothing of the run waits here: its terminal event is in Redis (which deleted the
                // lease), or could not be written at all, and then the lease lapses and an instance ends the generation.
                Drop(run);
                continue;
            }

            renewals.Add((run, database.ScriptEvaluateAsync(
                RedisScripts.Renew,
                [_keys.Meta(run.GenerationId), _keys.Lease(run.GenerationId)],
                [_options.InstanceName, leaseMilliseconds])));
        }

        if (renewals.Count == 0)
        {
            return;
        }

        var expires = (_timeProvider.GetUtcNow() + _options.LeaseDuration).ToUnixTimeMilliseconds();
        var renewed = new List<SortedSetEntry>(renewals.Count);
        var ended = new List<RedisValue>();
        foreach (var (run, pending) in renewals)
        {
            var id = run.GenerationId;
            switch ((long)await pending.WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                case 1:
                    renewed.Add(new SortedSetEntry(id, expires));
                    break;
                case 2:
                    renewed.Add(new SortedSetEntry(id, expires));
                    if (!run.Released)
                    {
                        Log.RemoteCancelReceived(_logger, id);
                        run.Stop(CancelReason.User);
                    }

                    break;
                case -1:
                    // Redis lost it (restarted without persistence): restored from this instance's copy when it has one.
                    if (await _appender.RestoreAsync(id, cancellationToken).ConfigureAwait(false))
                    {
                        renewed.Add(new SortedSetEntry(id, expires));
                    }
                    else
                    {
                        Lose(run, "Redis no longer knows the generation");
                        ended.Add(id);
                    }

                    break;
                case -2:
                    if (!run.Released)
                    {
                        Lose(run, "another instance ended it after this instance's lease lapsed");
                    }
                    else
                    {
                        Drop(run);
                    }

                    ended.Add(id);
                    break;
                default:
                    Lose(run, "another instance holds its lease");
                    break;
            }
        }

        if (renewed.Count > 0)
        {
            await database.SortedSetAddAsync(_keys.Leases, [.. renewed]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (ended.Count > 0)
        {
            await database.SortedSetRemoveAsync(_keys.Leases, [.. ended]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a generation whose lease lapsed with a <c>failed</c> event, unless it ended or its owner is back.</summary>
    private async Task TakeOverAsync(IDatabase database, string generationId, CancellationToken cancellationToken)
    {
        var state = database.HashGetAsync(_keys.Meta(generationId), ["last", "terminal", "owner"]);
        var newest = database.StreamRangeAsync(_keys.Events(generationId), "-", "+", count: 1, messageOrder: Order.Descending);
        await Task.WhenAll(state, newest).WaitAsync(cancellationToken).ConfigureAwait(false);
        var values = await state.ConfigureAwait(false);
        if (values[0].IsNull || !values[1].IsNull)
        {
            // Gone (expired) or ended: nothing to do but forget it.
            await database.SortedSetRemoveAsync(_keys.Leases, generationId).WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var entries = await newest.ConfigureAwait(false);
        StreamingProgressEvent? previous = null;
        if (entries.Length > 0 && RedisEntries.TryRead(entries[0].Id, RedisEntries.FrameOf(entries[0].Values), out var newestEntry, out _))
        {
            previous = newestEntry!.Event;
        }

        var failed = new StreamingProgressEvent
        {
            GenerationId = generationId,
            Status = GenerationStatus.Failed,
            Stage = GenerationStages.Error,
            Progress = previous?.Progress ?? 0,
            Message = OwnerLostMessage,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(_timeProvider.GetUtcNow().ToUnixTimeMilliseconds()),
            AbGroup = previous?.AbGroup,
            EnhancedFeatures = previous?.EnhancedFeatures,
            GenerationMode = previous?.GenerationMode,
            Error = OwnerLostError(_options.LeaseDuration),
        };
        var result = await _appender.RunAppendAsync(EventLogEntry.Create((long)values[0] + 1, failed), takeover: true, cancellationToken).ConfigureAwait(false);
        if (result.Code == AppendResult.TakeoverRefused)
        {
            // The owner renewed meanwhile, or the log moved since it was read: the next scan looks again.
            return;
        }

        if (result.Code == AppendResult.Appended)
        {
            Log.RunTakenOver(_logger, generationId, (string?)values[2] ?? "(unknown)");
        }

        await database.SortedSetRemoveAsync(_keys.Leases, generationId).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void OnCancelMessage(RedisValue message)
    {
        var generationId = (string?)message;
        if (generationId is not null && _owned.TryGetValue(generationId, out var run) && !run.Released)
        {
            Log.RemoteCancelReceived(_logger, generationId);
            run.Stop(CancelReason.User);
        }
    }

    private void OnGenerationLost(string generationId)
    {
        if (_owned.TryGetValue(generationId, out var run))
        {
            Lose(run, "another instance ended it after this instance's lease lapsed");
        }
    }

    private void Lose(OwnedRun run, string reason)
    {
        Drop(run);
        if (!run.Released)
        {
            Log.RunLost(_logger, run.GenerationId, reason);
            run.Stop(CancelReason.OwnershipLost);
        }
    }

    private void Drop(OwnedRun run)
    {
        if (_owned.TryRemove(new KeyValuePair<string, OwnedRun>(run.GenerationId, run)))
        {
            _records.Forget(run.GenerationId);
        }
    }

    private void OnConnectionFailed()
    {
        lock (_gate)
        {
            _connectedSince = null;
        }
    }

    /// <summary>Notes a tick that reached Redis; returns whether this instance has been connected long enough to take over.</summary>
    private bool OnTickSucceeded(DateTimeOffset now)
    {
        bool recovered;
        bool mayTakeOver;
        lock (_gate)
        {
            recovered = _failing;
            _failing = false;
            _connectedSince ??= now;
            mayTakeOver = now - _connectedSince.Value >= _options.LeaseDuration;
        }

        if (recovered)
        {
            Log.LeaseRenewalRecovered(_logger);
        }

        return mayTakeOver;
    }

    private void OnTickFailed(Exception exception)
    {
        bool first;
        lock (_gate)
        {
            _connectedSince = null;
            first = !_failing;
            _failing = true;
        }

        if (first && !_stopping.IsCancellationRequested)
        {
            Log.LeaseRenewalFailed(_logger, _options.LeaseRenewalInterval, exception);
        }
    }
}
